// The agreement form (reach_agreement): add and remove obligation rows. A file of its own, loaded only
// where the form is (the CSP forbids inline script); without it the page offers three rows.
(function () {
  "use strict";
  var INDEX = /^ob(\d+)_/;

  function setup(box) {
    var rows = box.querySelector("[data-ob-rows]");
    var add = box.querySelector("[data-ob-add]");
    var max = parseInt(box.getAttribute("data-max"), 10) || 100;
    var next = 0;
    rows.querySelectorAll("[name]").forEach(function (el) {
      var m = INDEX.exec(el.name);
      if (m) { next = Math.max(next, parseInt(m[1], 10) + 1); }
    });

    function all() { return rows.querySelectorAll("[data-ob-row]"); }

    function refresh() {
      var n = all().length;
      all().forEach(function (row) { row.querySelector("[data-ob-remove]").hidden = n <= 1; });
      add.hidden = false;
      add.disabled = n >= max;
    }

    function renumber(row, i) {
      row.querySelectorAll("[name]").forEach(function (el) { el.name = el.name.replace(INDEX, "ob" + i + "_"); });
      row.querySelectorAll("[id]").forEach(function (el) { el.id = el.id.replace(/-\d+-(\w+)$/, "-" + i + "-$1"); });
      row.querySelectorAll("label[for]").forEach(function (el) {
        el.htmlFor = el.htmlFor.replace(/-\d+-(\w+)$/, "-" + i + "-$1");
      });
    }

    add.addEventListener("click", function () {
      var list = all();
      if (list.length >= max) { return; }
      var row = list[list.length - 1].cloneNode(true);
      row.querySelectorAll("input").forEach(function (el) { el.value = ""; });
      renumber(row, next);
      next += 1;
      rows.appendChild(row);
      refresh();
      var first = row.querySelector("input");
      if (first) { first.focus(); }
    });

    rows.addEventListener("click", function (e) {
      var button = e.target.closest("[data-ob-remove]");
      if (!button || all().length <= 1) { return; }
      button.closest("[data-ob-row]").remove();
      refresh();
      add.focus();
    });

    refresh();
  }

  document.querySelectorAll("[data-obligations]").forEach(setup);
})();
