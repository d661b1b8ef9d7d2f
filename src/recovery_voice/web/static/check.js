// The live language check: as someone types, ask the server and show findings with one-click fixes.
// It also refreshes the per-network preview, by sending the form as the "Check and preview" button would.
// Without JavaScript the same findings and preview appear after pressing that button.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');

  // The server counts offsets in code points, as Python does; a JavaScript string counts UTF-16 units.
  function unitsAt(value, points) {
    var units = 0;
    for (var i = 0; i < points && units < value.length; i++) {
      var code = value.charCodeAt(units);
      units += code >= 0xD800 && code <= 0xDBFF && units + 1 < value.length ? 2 : 1;
    }
    return units;
  }

  // Put a fix in place of the words it replaces (which may reach past the flagged ones: "an addict's
  // family"), only if they are still where the check found them.
  function applyFix(field, fix) {
    var value = field.value;
    var start = unitsAt(value, fix.start);
    var end = start + unitsAt(value.slice(start), fix.end - fix.start);
    if (value.slice(start, end) !== fix.replaces) { return false; }
    field.value = value.slice(0, start) + fix.suggestion + value.slice(end);
    return true;
  }

  function render(box, field, findings, leftOut) {
    box.textContent = "";
    if (!findings.length) {
      var ok = document.createElement("p");
      ok.className = "ok";
      ok.textContent = "No language concerns found.";
      box.appendChild(ok);
      return;
    }
    var list = document.createElement("ul");
    list.className = "findings";
    findings.forEach(function (finding) {
      // As the page itself shows findings (_macros.html): one with nothing to change it to is a gentle note.
      var gentle = finding.severity === "info" && !finding.fixes.length;
      var item = document.createElement("li");
      item.className = "finding " + finding.severity + (gentle ? " gentle" : "");
      var text = document.createElement("p");
      var severity = document.createElement("span");
      severity.className = "severity";
      severity.textContent = gentle ? "A note" : finding.label;
      var strong = document.createElement("strong");
      strong.textContent = "\u201c" + finding.text + "\u201d.";
      var source = document.createElement("span");
      source.className = "source";
      source.textContent = "(" + finding.source + ")";
      text.appendChild(severity);
      text.appendChild(document.createTextNode(" "));
      text.appendChild(strong);
      text.appendChild(document.createTextNode(" " + finding.message + " "));
      text.appendChild(source);
      item.appendChild(text);
      if (finding.fixes.length) {
        var fixes = document.createElement("p");
        fixes.className = "fixes";
        fixes.appendChild(document.createTextNode("Try instead: "));
        finding.fixes.forEach(function (fix) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "small";
          button.textContent = "Use \u201c" + fix.suggestion + "\u201d";
          button.addEventListener("click", function () {
            applyFix(field, fix);  // if the text changed meanwhile, checking again shows where
            field.focus();
            check(field, box);
          });
          fixes.appendChild(button);
        });
        item.appendChild(fixes);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    if (leftOut) {
      var more = document.createElement("p");
      more.className = "hint";
      more.textContent = "The check found " + leftOut + " more, not shown here. Change these first, then check again.";
      box.appendChild(more);
    }
  }

  function check(field, box) {
    fetch("/check", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.content : ""},
      body: JSON.stringify({text: field.value, voice: field.dataset.voice})
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) { render(box, field, body.findings, body.findings_left_out); } })
      .catch(function () { /* the Check button still works */ });
  }

  document.querySelectorAll("[data-check]").forEach(function (field) {
    var box = document.getElementById(field.dataset.check);
    var timer = null;
    if (!box) { return; }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { check(field, box); }, 400);
    });
  });

  function preview(form, target) {
    var body = new FormData(form);
    body.set("action", "check");
    // Files go only with a button press: sending them on every key would store each again and again.
    form.querySelectorAll("input[type=file]").forEach(function (input) { body.delete(input.name); });
    fetch(window.location.href, {method: "POST", credentials: "same-origin", body: body})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(target.id);
        if (!fresh) { return; }
        target.replaceChildren.apply(target, Array.prototype.slice.call(fresh.childNodes));
        target.hidden = fresh.hidden;
      })
      .catch(function () { /* the preview button still works */ });
  }

  // Alt text: count its characters (as Python does, by code point) against the strictest chosen network.
  var NETWORKS = {x: "X", mastodon: "Mastodon", bluesky: "Bluesky", outbox: "the outbox"};
  document.querySelectorAll("form[data-alt-limits]").forEach(function (form) {
    var limits = JSON.parse(form.dataset.altLimits || "{}");
    function strictest() {
      var chosen = Array.prototype.map.call(form.querySelectorAll("input[name=accounts]:checked, input[name=networks]:checked"),
        function (box) { return box.value; }).filter(function (name) { return limits[name]; });
      var names = chosen.length ? chosen : Object.keys(limits);
      var best = null;
      names.forEach(function (name) { if (!best || limits[name][0] < best[0]) { best = limits[name]; } });
      return {limit: best ? best[0] : 2000, network: best ? (NETWORKS[best[1]] || best[1]) : "every network", chosen: chosen.length > 0};
    }
    function count() {
      var rule = strictest();
      form.querySelectorAll("[data-alt-count]").forEach(function (box) {
        var field = document.getElementById(box.dataset.altCount);
        var used = Array.from(field.value.trim()).length;
        box.textContent = used.toLocaleString("en-GB") + " of " + rule.limit.toLocaleString("en-GB") + " characters (" +
          rule.network + " takes the fewest" + (rule.chosen ? " of the places you chose" : "") + ")" +
          (used > rule.limit ? ": " + (used - rule.limit).toLocaleString("en-GB") + " too many." : ".");
        box.classList.toggle("error", used > rule.limit);
      });
    }
    form.addEventListener("input", count);
    form.addEventListener("change", count);
  });

  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    var target = document.getElementById(form.dataset.preview);
    var timer = null;
    if (!target) { return; }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(function () { preview(form, target); }, 500);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // A one-click fix changes a field from script, which fires no input event: watch the fix buttons too.
    form.addEventListener("click", function (event) {
      if (event.target.closest(".fixes button[type=button]")) { later(); }
    });
  });
}());

/* posts (W2): count a text's characters (by code point, as Python does) against its limit as it is typed or pasted.
   The field has no maxlength, so a long paste is never cut: the count says how many are too many. */
(function () {
  "use strict";
  document.querySelectorAll("[data-count-for]").forEach(function (box) {
    var field = document.getElementById(box.dataset.countFor);
    var limit = parseInt(box.dataset.limit, 10);
    if (!field || !limit) { return; }
    function count() {
      var used = Array.from(field.value).length;
      var left = limit - used;
      box.textContent = "Up to " + limit.toLocaleString("en-GB") + " characters: " +
        (left >= 0 ? left.toLocaleString("en-GB") + " left." : (-left).toLocaleString("en-GB") + " too many.");
      box.classList.toggle("error", left < 0);
    }
    field.addEventListener("input", count);
    count();
  });
}());
