# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test setup lint browser-deps clean messages

# The Spanish catalogues (locale/) compiled to .mo files, which are build products (pure Python: no system gettext).
COMPILE_MESSAGES := $(PY) scripts/compile_messages.py

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(COMPILE_MESSAGES)
	DJANGO_DEBUG=True $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=True $(PY) manage.py load_default_template
	DJANGO_DEBUG=True $(PY) manage.py demo_data
	DJANGO_DEBUG=True $(PY) manage.py demo_users
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in with one of the accounts above."
	DJANGO_DEBUG=True $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(COMPILE_MESSAGES)
	DJANGO_DEBUG=True $(PY) -m pytest $(PYTEST_ARGS)

# After marking new strings: add them to the catalogues, then translate them there (see README, Languages).
messages: $(STAMP)
	DJANGO_DEBUG=True $(PY) manage.py makemessages -l es --no-location --ignore=staticfiles --ignore=tests --ignore=benchmarks --ignore=scripts
	DJANGO_DEBUG=True $(PY) manage.py makemessages -l es -d djangojs --no-location --ignore=staticfiles --ignore=static/vendor --ignore=tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
