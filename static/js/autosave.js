// Autosave of the assessment form, and answers kept on this computer when they could not be saved.
// A moment after each change the whole form is posted (same checks and revision locking as "Save draft").
// Until a save succeeds, what was typed is also kept in this browser's storage, keyed by the assessment
// (never in the URL), so a session that ends or a connection that drops loses nothing: the page offers
// it back the next time it opens. A successful save, "Discard", or signing out removes the copy. A copy made as
// the form is submitted ("Save draft") is dropped when the page comes back with a newer revision: that save
// went through, so there is nothing to offer back.
(function () {
  "use strict";
  // The page's language, from Django's JavaScript catalogue (base.html loads it first); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var form = document.querySelector("form[data-autosave-url]");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var key = "unsaved-answers:" + form.dataset.assessment;
  var DELAY_MS = 1200;
  var timer = null;
  var inFlight = false;
  var again = false;

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "small ms-2 autosave-" + kind;
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function entries() {
    var list = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "revision") list.push([name, value]);
    });
    return list;
  }

  function revision() {
    return Number(form.querySelector("input[name=revision]").value);
  }

  function keep(submitted) {
    try {
      localStorage.setItem(key, JSON.stringify({
        at: new Date().toISOString(), entries: entries(), revision: revision(), submitted: !!submitted
      }));
    } catch (e) { /* storage full or disabled: autosave still works */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  }

  function signedOut(response) {
    var type = response.headers.get("Content-Type") || "";
    return response.type === "opaqueredirect" || response.status === 401 ||
      (response.status === 403 && type.indexOf("json") === -1);
  }

  function post() {
    return fetch(form.dataset.autosaveUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (signedOut(response)) throw { signedOut: true };
      if ((response.headers.get("Content-Type") || "").indexOf("application/json") === -1) throw {};
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function saved(data) {
    form.querySelector("input[name=revision]").value = data.revision;
    forget();
    document.dispatchEvent(new CustomEvent("answers:saved", { detail: data }));
    say(gettext("Saved %s").replace("%s", data.saved_at), "ok");
  }

  function save() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    say(gettext("Saving…"), "busy");
    post().then(function (result) {
      if (result.ok) saved(result.data); else say(result.data.message, "error");
    }).catch(function (problem) {
      keep();
      say(problem && problem.signedOut
        ? gettext("Not saved: you are signed out. Your answers are kept on this computer; sign in again to restore them.")
        : gettext("Not saved: no answer from the server. Your answers are kept on this computer; saving resumes with your next change."),
        "error");
    }).then(function () {
      inFlight = false;
      if (again) { again = false; schedule(); }
    });
  }

  function schedule() {
    keep();
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  form.addEventListener("change", schedule);
  // A submit saves the whole form itself: no autosave after it, and the copy says it was submitted.
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    keep(true);
  });
  form.addEventListener("input", function (event) {
    if (event.target.matches("input[type=text], input[type=date], textarea")) schedule();
  });

  // ---- offering back what was kept
  function restore(kept) {
    var names = {};
    kept.entries.forEach(function (pair) { names[pair[0]] = true; });
    Object.keys(names).forEach(function (name) {
      form.querySelectorAll('[name="' + name + '"]').forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") field.checked = false;
      });
    });
    kept.entries.forEach(function (pair) {
      form.querySelectorAll('[name="' + pair[0] + '"]').forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.value === pair[1]) field.checked = true;
        } else if (!field.disabled) {
          field.value = pair[1];
        }
      });
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  var offer = document.getElementById("restore-offer");
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  if (kept && kept.submitted && revision() > kept.revision) {
    forget();
    kept = null;
  }
  if (offer && kept && kept.entries) {
    // The clinic's dates (day before month) in English, as the server writes them; the page's language else.
    var language = document.documentElement.lang === "en" ? "en-GB" : document.documentElement.lang;
    offer.querySelector("[data-restore-time]").textContent = new Date(kept.at).toLocaleString(language || undefined);
    offer.hidden = false;
    offer.querySelector("[data-restore]").addEventListener("click", function () {
      offer.hidden = true;
      restore(kept);
    });
    offer.querySelector("[data-restore-discard]").addEventListener("click", function () {
      offer.hidden = true;
      forget();
    });
  }
})();
