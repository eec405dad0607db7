// The adjustment form shows only the fields its kind uses (labels carry data-kinds);
// without this script every field shows and the server ignores the unused ones.
"use strict";
(function () {
  const kind = document.getElementById("adjust-kind");
  if (!kind) return;
  const fields = document.querySelectorAll("#adjust-form [data-kinds]");
  function show() {
    fields.forEach(function (label) {
      const on = label.dataset.kinds.split(" ").indexOf(kind.value) >= 0;
      label.hidden = !on;
      label.querySelectorAll("input, select").forEach(function (f) { f.disabled = !on; });
    });
  }
  kind.addEventListener("change", show);
  show();
})();
