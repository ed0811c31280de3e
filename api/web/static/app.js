// 解纷 网页端: parties added inline, identity numbers / credit codes / phones checked as typed
// (by the server's own validators at /check/…). No framework, nothing fetched from elsewhere.
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { var a = arguments, s = this; clearTimeout(t); t = setTimeout(function () { fn.apply(s, a); }, ms); }; }
  function checkField(input) {
    var kind = input.getAttribute("data-check"), msg = document.getElementById(input.id + "_msg");
    var value = input.value.trim();
    if (!value) { input.classList.remove("bad", "good"); input.removeAttribute("aria-invalid"); if (msg) { msg.textContent = ""; msg.className = "hint"; } return; }
    var body = new URLSearchParams({ value: value, csrf: (document.querySelector("input[name=csrf]") || {}).value || "" });
    fetch("/check/" + kind, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (input.value.trim() !== value) return;
        input.classList.toggle("bad", !d.ok); input.classList.toggle("good", !!d.ok);
        if (d.ok) input.removeAttribute("aria-invalid"); else input.setAttribute("aria-invalid", "true");
        if (msg) { msg.textContent = d.message || ""; msg.className = "hint " + (d.ok ? "good" : "bad"); }
        input.setAttribute("data-checked", d.ok ? "ok" : "bad");
        if (d.ok && kind !== "phone") lookForDuplicates();
      }).catch(function () {});
  }
  function lookForDuplicates() {
    var form = document.getElementById("intake-form"), box = document.getElementById("pre-duplicates");
    if (!form || !box) return;
    fetch("/check-duplicates", { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; box.setAttribute("data-ready", "1"); }).catch(function () {});
  }
  var delayed = debounce(checkField, 250);
  document.addEventListener("input", function (e) { if (e.target.matches && e.target.matches("[data-check]")) delayed(e.target); });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-check]")) checkField(t);
    if (t.id === "dispute_type") lookForDuplicates();
    if (t.matches && t.matches("[data-kind]")) {
      var box = t.closest("[data-party]"), ident = box.querySelector("[data-check=id_number],[data-check=uscc]");
      var label = box.querySelector("[data-ident-label]"), org = t.value === "organization";
      ident.setAttribute("data-check", org ? "uscc" : "id_number");
      label.textContent = org ? "统一社会信用代码" : "居民身份证号";
      checkField(ident);
    }
  });
  function renumber() {
    var boxes = document.querySelectorAll("#parties [data-party]");
    boxes.forEach(function (box, i) {
      box.querySelector("[data-num]").textContent = i + 1;
      box.querySelectorAll("[id],[name],[for],[aria-describedby]").forEach(function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (a) {
          var v = el.getAttribute(a); if (v) el.setAttribute(a, v.replace(/^p\d+_/, "p" + i + "_").replace(/ p\d+_/g, " p" + i + "_"));
        });
      });
      box.querySelector("[data-remove-party]").hidden = boxes.length <= 2;
    });
  }
  var add = document.getElementById("add-party");
  if (add) {
    renumber();
    add.addEventListener("click", function () {
      var boxes = document.querySelectorAll("#parties [data-party]"), copy = boxes[boxes.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (el) { el.value = ""; el.classList.remove("bad", "good"); el.removeAttribute("aria-invalid"); });
      copy.querySelectorAll(".hint").forEach(function (el) { el.textContent = ""; el.className = "hint"; });
      copy.querySelector("select").value = "third_party";
      document.getElementById("parties").appendChild(copy);
      renumber();
      copy.querySelector("input").focus();
    });
    document.getElementById("parties").addEventListener("click", function (e) {
      if (e.target.matches("[data-remove-party]")) { e.target.closest("[data-party]").remove(); renumber(); add.focus(); }
    });
  }
  // Documents are rendered by the render worker a moment after the transition: while one is still being
  // made, look again every 2 s (up to 5 min) and swap in the documents section alone (forms keep what was typed).
  var docs = document.getElementById("documents"), tries = 0;
  function refreshDocuments() {
    if (!docs || !docs.querySelector("[data-doc-pending]") || ++tries > 150) return;
    setTimeout(function () {
      fetch(location.pathname, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("documents");
          if (fresh) { docs.innerHTML = fresh.innerHTML; }
          refreshDocuments();
        }).catch(function () {});
    }, 2000);
  }
  refreshDocuments();
  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  var focus = document.getElementById("refusal") || document.getElementById("form-errors");
  if (focus) focus.focus();
})();
