// The console's live updates: one EventSource per page (it reconnects by itself after an
// API restart), status cells updated in place, live sections re-read from the server.
"use strict";

(function () {
  const body = document.body;
  const state = document.getElementById("live-state");
  const sections = () => document.querySelectorAll("[data-live-section]");
  let refreshTimer = null;

  function setState(up) {
    if (!state) return;
    state.textContent = up ? "live" : "reconnecting…";
    state.className = "live " + (up ? "up" : "down");
  }

  // Re-read this page and swap in its live sections (debounced: one read per burst).
  function refreshSoon(delay) {
    if (refreshTimer || !sections().length) return;
    refreshTimer = setTimeout(async () => {
      refreshTimer = null;
      try {
        const answer = await fetch(location.href, { credentials: "same-origin" });
        if (!answer.ok) return;
        const page = new DOMParser().parseFromString(await answer.text(), "text/html");
        sections().forEach((old) => {
          const fresh = page.getElementById(old.id);
          // Never under the user's hands: a section holding the focus (a filter being
          // typed in) keeps its content until the next update.
          if (fresh && !old.contains(document.activeElement)) old.innerHTML = fresh.innerHTML;
        });
      } catch (e) { /* the stream's reconnect will bring the next update */ }
    }, delay);
  }

  function markRow(station, online) {
    let found = false;
    document.querySelectorAll("[data-station-row]").forEach((row) => {
      if (row.dataset.stationRow !== station) return;
      found = true;
      const cell = row.querySelector("[data-status]");
      cell.textContent = online ? "online" : "offline";
      cell.className = "status " + (online ? "on" : "off");
    });
    return found;
  }

  function logLine(event) {
    const log = document.getElementById("live-log");
    if (!log) return;
    const empty = log.querySelector(".empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    const at = document.createElement("span");
    at.className = "muted";
    at.textContent = (event.at || "").replace("T", " ").replace("Z", "");
    const name = document.createElement("span");
    name.className = "ev";
    name.textContent = event.event;
    const rest = Object.assign({}, event);
    ["event", "eventId", "station", "at"].forEach((k) => delete rest[k]);
    const detail = document.createElement("code");
    detail.textContent = JSON.stringify(rest);
    item.append(at, name, detail);
    log.prepend(item);
    while (log.children.length > 200) log.lastChild.remove();
  }

  function handle(event) {
    const page = body.dataset.page;
    const presence = event.event === "station.connected" || event.event === "station.disconnected";
    if (page === "stations") {
      if (presence && !markRow(event.station, event.event === "station.connected")) refreshSoon(2000);
    } else if (page === "station") {
      if (presence) {
        const cell = document.getElementById("station-status");
        if (cell) {
          const online = event.event === "station.connected";
          cell.textContent = online ? "online" : "offline";
          cell.className = "status " + (online ? "on" : "off");
        }
      }
      logLine(event);
      refreshSoon(700);
    } else {
      refreshSoon(1000);
    }
  }

  const url = body.dataset.events;
  if (!url && state) state.hidden = true;  // a page without a stream is not "connecting"
  if (url && window.EventSource) {
    const source = new EventSource(url);
    source.onopen = () => setState(true);
    source.onerror = () => setState(false);
    source.onmessage = (message) => {
      try { handle(JSON.parse(message.data)); } catch (e) { /* not an event of ours */ }
    };
  }

  // The theme button: light, dark, or the system's (no choice stored).
  const themes = ["system", "light", "dark"];
  const root = document.documentElement;
  function applyTheme(theme) {
    if (theme === "system") delete root.dataset.theme; else root.dataset.theme = theme;
    const button = document.getElementById("theme");
    if (button) button.textContent = "Theme: " + theme;
  }
  let theme = localStorage.getItem("console-theme") || "system";
  applyTheme(theme);
  const themeButton = document.getElementById("theme");
  if (themeButton) {
    themeButton.hidden = false;
    themeButton.addEventListener("click", () => {
      theme = themes[(themes.indexOf(theme) + 1) % themes.length];
      if (theme === "system") localStorage.removeItem("console-theme");
      else localStorage.setItem("console-theme", theme);
      applyTheme(theme);
    });
  }

  document.querySelectorAll("[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})();
