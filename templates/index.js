/* Staff index: filter the document rows as the user types. No network, no dependencies. */
(function () {
  "use strict";
  var form = document.querySelector("form.sok");
  var input = document.getElementById("sok");
  var result = document.getElementById("sokresultat");
  var empty = document.getElementById("inga-traffar");
  if (!form || !input || !result || !empty) {
    return;
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.dokument"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.grupp"));
  var total = rows.length;

  function fold(text) {
    return text.toLocaleLowerCase("sv").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function filter() {
    // Folded as builder/render/index.py folds data-search: "Kungalv" finds "Kungälv".
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search") || "";
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) {
        shown += 1;
      }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("tr.dokument:not([hidden])") === null;
    });
    empty.hidden = shown !== 0;
    result.textContent = "Visar " + shown + " av " + total + " dokument.";
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && input.value) {
      input.value = "";
      filter();
    }
  });
}());
