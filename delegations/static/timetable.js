// The day grid as a timetable a coordinator can drag: move a session to another time or
// room, drag its lower edge to change its length, or do the same from the keyboard.
// Every move goes to the server, which previews the clashes it would create and saves only
// once the coordinator confirms them; the last move can be undone.
(function () {
  "use strict";
  var grid = document.querySelector(".day-grid[data-move-url]");
  if (!grid) { return; }
  var url = grid.dataset.moveUrl;
  var top = Date.parse(grid.dataset.top);
  var slotMs = Number(grid.dataset.slot) * 60000;
  var maxRow = Number(grid.dataset.rows) + 2;
  var heads = Array.prototype.slice.call(grid.querySelectorAll(".room-head"));
  var columns = heads.map(function (h) { return Number(h.dataset.col); });
  var dialog = document.getElementById("move-dialog");
  var list = document.getElementById("move-clashes");
  var status = document.getElementById("move-status");
  var undoButton = document.getElementById("move-undo");
  var csrf = dialog.querySelector("input[name=csrf_token]").value;
  var lastMove = null;
  var venueTime = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { timeZone: grid.dataset.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function geometry(block) {
    return { col: Number(block.dataset.col), row0: Number(block.dataset.row0),
             row1: Number(block.dataset.row1) };
  }
  function place(block, g) {
    block.style.gridColumn = String(g.col);
    block.style.gridRow = g.row0 + " / " + g.row1;
  }
  function remember(block, g) {
    block.dataset.col = g.col; block.dataset.row0 = g.row0; block.dataset.row1 = g.row1;
    place(block, g);
  }
  function roomOf(col) {
    var head = heads[columns.indexOf(col)];
    return head ? head.dataset.room : "none";
  }
  function colOfRoom(room) {
    for (var i = 0; i < heads.length; i++) {
      if (heads[i].dataset.room === String(room === null ? "none" : room)) { return columns[i]; }
    }
    return null;
  }
  function iso(row) { return new Date(top + (row - 2) * slotMs).toISOString(); }
  function rowOf(instant) { return Math.round((Date.parse(instant) - top) / slotMs) + 2; }
  function clamp(g) {
    var length = g.row1 - g.row0;
    if (length < 1) { length = 1; }
    g.row0 = Math.max(2, Math.min(g.row0, maxRow - length));
    g.row1 = g.row0 + length;
    var i = columns.indexOf(g.col);
    if (i < 0) { g.col = columns[0]; }
    return g;
  }
  function say(text) { status.textContent = text; }

  function post(block, g, confirm) {
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("session_id", block.dataset.session);
    body.append("revision", block.dataset.revision);
    body.append("starts_at", iso(g.row0));
    body.append("ends_at", iso(g.row1));
    body.append("room_id", roomOf(g.col));
    if (confirm) { body.append("confirm", confirm); }
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
      .then(function (r) { return r.json(); });
  }

  function ask(clashes) {
    list.textContent = "";
    clashes.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "clash " + c.severity;
      li.textContent = c.message;
      list.appendChild(li);
    });
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "save");
      });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // Send a move; on a clash preview ask first; put the block back unless it was saved.
  function commit(block, g, from, isUndo) {
    block.classList.add("saving");
    return post(block, g, null).then(function (answer) {
      if (answer.status !== "preview") { return answer; }
      return ask(answer.clashes).then(function (save) {
        if (!save) { return { status: "cancelled" }; }
        return post(block, g, answer.fingerprint);
      });
    }).then(function (answer) {
      block.classList.remove("saving");
      if (answer.status === "saved") {
        var s = answer.session;
        block.dataset.revision = s.revision;
        remember(block, { col: colOfRoom(s.room_id) || g.col, row0: rowOf(s.starts_at),
                          row1: rowOf(s.ends_at) });
        var when = block.querySelector(".when");
        if (when) { when.textContent = answer.when; }
        say(answer.message);
        lastMove = isUndo ? null : { block: block, to: from };
        undoButton.hidden = isUndo;
        return;
      }
      remember(block, from);
      say(answer.status === "cancelled" ? "" : (answer.message || ""));
    }).catch(function () {
      block.classList.remove("saving");
      remember(block, from);
      say(status.dataset.failed || "The move could not be saved.");
    });
  }

  undoButton.addEventListener("click", function () {
    if (!lastMove) { return; }
    var move = lastMove;
    lastMove = null;
    commit(move.block, move.to, geometry(move.block), true);
  });

  // ------------------------------------------------------------------ pointer
  var drag = null;
  function columnAt(x) {
    for (var i = 0; i < heads.length; i++) {
      var r = heads[i].getBoundingClientRect();
      if (x >= r.left && x < r.right) { return columns[i]; }
    }
    return null;
  }
  function rowHeight() {
    return grid.querySelector(".hour-line").getBoundingClientRect().height ||
      (grid.getBoundingClientRect().height / maxRow);
  }
  grid.addEventListener("pointerdown", function (e) {
    var block = e.target.closest(".block[data-session]");
    if (!block || e.button !== 0) { return; }
    drag = { block: block, from: geometry(block), x: e.clientX, y: e.clientY, moved: false,
             resize: e.target.classList.contains("resize"), h: rowHeight() };
    block.setPointerCapture(e.pointerId);
  });
  grid.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var dy = Math.round((e.clientY - drag.y) / drag.h);
    var col = drag.resize ? drag.from.col : (columnAt(e.clientX) || drag.from.col);
    if (!drag.moved && Math.abs(e.clientY - drag.y) + Math.abs(e.clientX - drag.x) < 6) {
      return;
    }
    drag.moved = true;
    drag.block.classList.add("dragging");
    var g = drag.resize
      ? { col: col, row0: drag.from.row0, row1: Math.max(drag.from.row0 + 1, drag.from.row1 + dy) }
      : { col: col, row0: drag.from.row0 + dy, row1: drag.from.row1 + dy };
    drag.to = clamp(g);
    place(drag.block, drag.to);
  });
  grid.addEventListener("pointerup", function () {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    d.block.classList.remove("dragging");
    if (!d.moved) { return; }
    d.block.dataset.justDragged = "1";
    var to = d.to || d.from;
    if (to.col === d.from.col && to.row0 === d.from.row0 && to.row1 === d.from.row1) { return; }
    commit(d.block, to, d.from, false);
  });
  grid.addEventListener("click", function (e) {
    var block = e.target.closest(".block[data-session]");
    if (block && (block.dataset.justDragged || block.dataset.grabbed)) {
      e.preventDefault();
      delete block.dataset.justDragged;
    }
  });

  // ------------------------------------------------------------------ keyboard
  grid.addEventListener("keydown", function (e) {
    var block = e.target.closest(".block[data-session]");
    if (!block) { return; }
    var grabbed = block.dataset.grabbed === "1";
    if (!grabbed) {
      if (e.key === " ") {
        e.preventDefault();
        block.dataset.grabbed = "1";
        block.dataset.fromCol = block.dataset.col;
        block.dataset.fromRow0 = block.dataset.row0;
        block.dataset.fromRow1 = block.dataset.row1;
        block.classList.add("dragging");
        block.setAttribute("aria-grabbed", "true");
        say(block.querySelector(".title").textContent + ": picked up.");
      }
      return;
    }
    var g = geometry(block);
    var from = { col: Number(block.dataset.fromCol), row0: Number(block.dataset.fromRow0),
                 row1: Number(block.dataset.fromRow1) };
    var i = columns.indexOf(g.col);
    var rtl = document.documentElement.dir === "rtl";
    var handled = true;
    if (e.key === "ArrowUp" && e.shiftKey) { g.row1 = Math.max(g.row0 + 1, g.row1 - 1); }
    else if (e.key === "ArrowDown" && e.shiftKey) { g.row1 += 1; }
    else if (e.key === "ArrowUp") { g.row0 -= 1; g.row1 -= 1; }
    else if (e.key === "ArrowDown") { g.row0 += 1; g.row1 += 1; }
    else if (e.key === (rtl ? "ArrowLeft" : "ArrowRight")) { g.col = columns[Math.min(i + 1, columns.length - 1)]; }
    else if (e.key === (rtl ? "ArrowRight" : "ArrowLeft")) { g.col = columns[Math.max(i - 1, 0)]; }
    else if (e.key === "Escape") { g = from; }
    else if (e.key !== "Enter") { handled = false; }
    if (!handled) { return; }
    e.preventDefault();
    if (e.key === "Enter" || e.key === "Escape") {
      delete block.dataset.grabbed;
      block.classList.remove("dragging");
      block.removeAttribute("aria-grabbed");
      remember(block, g);
      if (e.key === "Enter" && (g.col !== from.col || g.row0 !== from.row0 || g.row1 !== from.row1)) {
        commit(block, g, from, false);
      }
      return;
    }
    remember(block, clamp(g));
    say(venueTime.format(new Date(top + (g.row0 - 2) * slotMs)) + "–" +
        venueTime.format(new Date(top + (g.row1 - 2) * slotMs)) + ", " +
        heads[columns.indexOf(g.col)].querySelector("strong").textContent.trim());
  });
}());
