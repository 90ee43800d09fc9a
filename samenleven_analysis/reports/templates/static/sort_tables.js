/* Sorting of a page's tables (the dashboard's authority table, the KPI panel's tables): a click
   (or Enter) on a header cell with data-type="number" or "text" sorts its table by that column,
   a second click the other way. A cell's sort key is its data-value, else its text; a missing
   number (empty key: withheld or not reported) sorts last either way; ties follow the first
   column. Inline, no library, nothing fetched. */
(function () {
  function key(cell, numeric) {
    var v = cell.getAttribute("data-value");
    if (v === null) { v = cell.textContent; }
    if (numeric) { return v === "" ? NaN : parseFloat(v); }
    return v.toLowerCase();
  }
  function sortBy(table, index, th) {
    var numeric = th.getAttribute("data-type") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index], numeric), y = key(b.cells[index], numeric);
      if (numeric && (isNaN(x) || isNaN(y))) { return isNaN(x) - isNaN(y); }
      var order = numeric ? x - y : x.localeCompare(y);
      if (order === 0 && index !== 0) {
        order = key(a.cells[0], false).localeCompare(key(b.cells[0], false));
      }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (!th.hasAttribute("data-type")) { return; }
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, index, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { sortBy(table, index, th); }
      });
    });
  });
})();
