// "Stay signed in": a warning two minutes before the session ends for inactivity, with a button that
// extends it. The page knows the seconds left when it was served; before warning it asks the server
// (a poll that does not count as activity), since work in another tab may have extended the session.
(function () {
  "use strict";
  // The page's language, from Django's JavaScript catalogue (base.html loads it first); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var body = document.body;
  var left = parseInt(body.dataset.sessionSecondsLeft, 10);
  if (isNaN(left)) return;
  var WARN_MS = 120 * 1000;
  var deadline = Date.now() + left * 1000;
  var checking = false;
  var lastCheck = 0;
  var banner = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function minutesAndSeconds(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function makeBanner() {
    banner = document.createElement("div");
    banner.className = "session-warning alert alert-warning shadow d-flex flex-wrap align-items-center gap-2";
    banner.setAttribute("role", "alert");
    banner.innerHTML = '<span data-session-text></span>' +
      '<button type="button" class="btn btn-primary btn-sm" data-stay></button>' +
      '<a class="btn btn-outline-dark btn-sm" data-sign-in hidden></a>';
    banner.querySelector("[data-stay]").textContent = gettext("Stay signed in");
    banner.querySelector("[data-sign-in]").textContent = gettext("Sign in again");
    banner.querySelector("[data-stay]").addEventListener("click", stay);
    banner.querySelector("[data-sign-in]").href =
      body.dataset.loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
    document.body.appendChild(banner);
  }

  function show(text, ended) {
    if (!banner) makeBanner();
    banner.hidden = false;
    banner.querySelector("[data-session-text]").textContent = text;
    banner.querySelector("[data-stay]").hidden = ended;
    banner.querySelector("[data-sign-in]").hidden = !ended;
  }

  function hide() { if (banner) banner.hidden = true; }

  function update(data) {
    if (!data.signed_in) { deadline = Date.now(); return; }
    deadline = Date.now() + data.seconds_left * 1000;
    if (deadline - Date.now() > WARN_MS) hide();
  }

  function check() {
    if (checking) return;
    checking = true;
    lastCheck = Date.now();
    fetch(body.dataset.sessionStatusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(update)
      .catch(function () { /* offline: keep counting down */ })
      .then(function () { checking = false; });
  }

  function stay() {
    fetch(body.dataset.sessionKeepaliveUrl, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
    }).then(function (r) { return r.json(); }).then(update).catch(function () { /* shown as it is */ });
  }

  function tick() {
    var remaining = deadline - Date.now();
    if (remaining <= 0) {
      show(gettext("Your session has ended. Anything not saved is kept on this computer and offered back after you sign in."), true);
      return;
    }
    if (remaining <= WARN_MS) {
      if (Date.now() - lastCheck > 15000) check();
      show(gettext("For safety you will be signed out in %s without activity.").replace("%s", minutesAndSeconds(remaining)), false);
    }
  }

  // Saving counts as activity on the server: count down afresh from the server's figure.
  document.addEventListener("answers:saved", check);
  document.addEventListener("htmx:afterRequest", function () { if (deadline - Date.now() <= WARN_MS) check(); });
  // Signing out on purpose leaves nothing of a patient behind in this browser.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[action$='/accounts/logout/']")) {
      try {
        Object.keys(localStorage).forEach(function (k) {
          if (k.indexOf("unsaved-answers:") === 0) localStorage.removeItem(k);
        });
      } catch (e) { /* nothing kept */ }
    }
  });
  setInterval(tick, 1000);
})();
