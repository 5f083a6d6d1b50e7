/*
 * Keyboard of the editing grids (targets, data entry): Enter moves to the cell below and
 * Shift+Enter to the cell above, as in a spreadsheet; Tab moves to the next cell in the
 * browser's own order (links in the cells have tabindex="-1"). Leaving a cell fires its
 * "change", which saves it (htmx). A grid is a table[data-grid] whose inputs carry
 * data-grid-cell. A refused cell (.is-invalid) is sent again by Enter or Tab even when left
 * unchanged, e.g. once the reason it lacked has been filled in.
 *
 * A saved cell may refresh its neighbours out of band (a target's months follow its annual
 * amount); a neighbour being typed into is left alone, so that nothing typed is lost.
 */
(function () {
  "use strict";

  function inputAt(row, index) {
    const cell = row && row.cells[index];
    return cell ? cell.querySelector("[data-grid-cell]:not([disabled])") : null;
  }

  function neighbour(input, step) {
    const cell = input.closest("td, th");
    const table = input.closest("table");
    if (!cell || !table) return null;
    const rows = Array.from(table.querySelectorAll("tbody tr"));
    for (let i = rows.indexOf(cell.parentElement) + step; i >= 0 && i < rows.length; i += step) {
      const found = inputAt(rows[i], cell.cellIndex);
      if (found) return found;
    }
    return null;
  }

  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (event.key !== "Enter" && event.key !== "Tab") return;
    if (!(input instanceof HTMLInputElement) || !input.matches("[data-grid] [data-grid-cell]")) return;
    // A refused cell left as it was is sent again (the reason may have been given since):
    // leaving it unchanged fires no "change" of its own.
    if (input.classList.contains("is-invalid") && input.value === input.defaultValue) {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (event.key === "Tab") return;
    event.preventDefault();
    const next = neighbour(input, event.shiftKey ? -1 : 1);
    if (next) {
      next.focus();
      next.select();
    } else {
      input.blur();
    }
  });

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const active = document.activeElement;
    if (active && active.matches("[data-grid-cell]") && event.detail.target.contains(active)) {
      event.detail.shouldSwap = false;
    }
  });
})();
