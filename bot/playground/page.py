"""The playground's one page: a Slack-like channel, its threads and Home tab, and Gong's call log, in plain HTML,
CSS and JavaScript served from here (no CDN, no build step: it works offline). It polls the playground's state
about every half second and draws what the server rendered (see render.py); the hooks tests use are data-testid
attributes, kept stable."""

from __future__ import annotations

__all__ = ["PAGE"]

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gong-erase-bot playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1c1d;
       background: #f8f8f8; }
.banner { background: #fff4d6; border-bottom: 1px solid #e8c96b; padding: 6px 14px; display: flex; gap: 14px;
          align-items: center; flex-wrap: wrap; font-size: 13px; }
.banner strong { color: #7a5a00; }
.banner button, .banner select { font-size: 13px; }
.layout { display: grid; grid-template-columns: 1fr 360px; height: calc(100vh - 40px); }
.main { display: flex; flex-direction: column; min-width: 0; border-right: 1px solid #ddd; background: #fff; }
.topbar { display: flex; gap: 10px; align-items: center; padding: 8px 14px; border-bottom: 1px solid #ddd; }
.topbar .channel { font-weight: 700; }
.tabs button { border: 0; background: none; padding: 6px 10px; cursor: pointer; border-bottom: 2px solid transparent; }
.tabs button.active { border-bottom-color: #1264a3; font-weight: 700; }
.panes { flex: 1; display: grid; grid-template-columns: 1fr; overflow: hidden; }
.panes.with-thread { grid-template-columns: 1fr 380px; }
.messages, .thread, .home { overflow-y: auto; padding: 10px 14px; }
.thread { border-left: 1px solid #ddd; background: #fcfcfc; }
.message { padding: 8px 10px; border-radius: 6px; margin-bottom: 8px; }
.message:hover { background: #f6f6f6; }
.message .who { font-weight: 700; margin-right: 6px; }
.message .edited { color: #888; font-size: 12px; }
.message[data-visibility="ephemeral"] { background: #f3f7fb; border-left: 3px solid #1264a3; }
.only-you { color: #616061; font-size: 12px; margin-bottom: 2px; }
.block { margin: 4px 0; }
.block.header { font-weight: 800; font-size: 17px; }
.block.context { color: #616061; font-size: 13px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.block.actions { display: flex; gap: 8px; flex-wrap: wrap; }
.block-button { border: 1px solid #bbb; background: #fff; border-radius: 4px; padding: 4px 12px; cursor: pointer;
                font-weight: 600; }
.block-button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.block-button.danger { background: #fff; color: #e01e5a; border-color: #e01e5a; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
code { background: #f4f4f4; border: 1px solid #e2e2e2; border-radius: 3px; padding: 0 3px; font-size: 13px; }
.open-thread { color: #1264a3; background: none; border: 0; cursor: pointer; padding: 0; font-size: 13px; }
.composer { padding: 10px 14px; border-top: 1px solid #ddd; }
.composer input { width: 100%; padding: 10px; border: 1px solid #bbb; border-radius: 6px; font-size: 15px; }
.side { overflow-y: auto; padding: 10px 14px; background: #fafafa; }
.side h2 { font-size: 15px; margin: 8px 0; }
.gong-call { font-family: ui-monospace, Menlo, monospace; font-size: 12px; padding: 3px 0; border-bottom: 1px dotted #ddd; }
.gong-call.bad { color: #b00020; }
.overlay { position: fixed; inset: 0; background: rgba(0,0,0,.35); display: flex; align-items: center;
           justify-content: center; z-index: 10; }
.dialog { background: #fff; border-radius: 8px; padding: 18px; width: min(560px, 92vw); max-height: 90vh; overflow: auto; }
.dialog h3 { margin: 0 0 10px; }
.dialog .buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 14px; }
.input-block { display: block; margin: 10px 0; }
.input-block .label { display: block; font-weight: 700; margin-bottom: 4px; }
.input-block textarea, .input-block input[type=text] { width: 100%; padding: 6px; font: inherit; }
.input-block textarea { min-height: 110px; }
.field-error { color: #e01e5a; font-size: 13px; margin-top: 3px; }
.hidden { display: none !important; }
.file { background: #f4f4f4; padding: 6px 8px; border-radius: 4px; display: inline-block; }
</style>
</head>
<body>
<div class="banner" data-testid="banner">
  <strong>Playground</strong> fake people, fake data: nothing is sent to Slack or Gong.
  <label>You are <select data-testid="user-select" id="user"></select></label>
  <label>Approvals needed <select id="approvals" data-testid="approvals"><option>1</option><option>2</option></select></label>
  <button id="advance" data-testid="advance">Advance 6 hours</button>
  <span id="clock" data-testid="clock"></span>
  <button id="reset" data-testid="reset">Reset</button>
</div>
<div class="layout">
  <div class="main">
    <div class="topbar">
      <span class="channel"># privacy-requests</span>
      <span class="tabs"><button id="tab-channel" class="active">Channel</button>
      <button id="tab-home" data-testid="home-tab">Home (gong-erase-bot)</button></span>
    </div>
    <div class="panes" id="panes">
      <div class="messages" id="messages"></div>
      <div class="thread hidden" id="thread"><div><b>Thread</b>
        <button class="open-thread" id="close-thread">close</button></div><div id="thread-body"></div></div>
    </div>
    <div class="home hidden" id="home"></div>
    <div class="composer"><input data-testid="composer" id="composer" autocomplete="off"
      placeholder="/gong-erase +1 425 555 2671 DSR-1234   (or help, bulk, status, list, lookup)"></div>
  </div>
  <div class="side">
    <h2>Gong (stand-in)</h2>
    <label>Answer every call with <select data-testid="gong-fault" id="fault">
      <option value="none">success</option><option value="429">429 rate limited</option>
      <option value="500">500 server error</option><option value="401">401 bad key</option>
      <option value="400">400 refused</option><option value="timeout">timeout</option></select></label>
    <form id="hold" style="margin:8px 0">
      <div>Gong holds for <input id="hold-id" placeholder="+1 425 555 2671" size="18"></div>
      <div><input id="hold-calls" type="number" min="0" value="3" style="width:4em"> calls
      <input id="hold-emails" type="number" min="0" value="2" style="width:4em"> emails
      <button data-testid="gong-hold">Set</button></div>
    </form>
    <h2>Calls Gong received</h2>
    <div id="calls"></div>
  </div>
</div>
<div class="overlay hidden" id="confirm"><div class="dialog"><h3 id="confirm-title"></h3><div id="confirm-text"></div>
  <div class="buttons"><button id="confirm-deny" data-testid="confirm-deny"></button>
  <button id="confirm-ok" data-testid="confirm-ok" class="block-button primary"></button></div></div></div>
<div class="overlay hidden" id="modal"><div class="dialog" data-testid="modal"><h3 id="modal-title"></h3>
  <form id="modal-form"></form>
  <div class="buttons"><button id="modal-close">Cancel</button>
  <button id="modal-submit" data-testid="modal-submit" class="block-button primary">Submit</button></div></div></div>
<script>
"use strict";
let state = null, version = -1, openThread = null, tab = "channel", modalShown = null, pending = null;
const $ = (id) => document.getElementById(id);
const me = () => $("user").value;
async function api(path, body) {
  const answer = await fetch("/playground/" + path, {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(Object.assign({user: me()}, body || {}))});
  const said = await answer.json().catch(() => ({}));
  if (said.error) alert(said.error);
  poll(true);
  return said;
}
function messageHtml(m) {
  const only = m.visibility === "ephemeral" ? '<div class="only-you">Only visible to you</div>' :
    m.visibility === "dm" ? '<div class="only-you">Direct message from gong-erase-bot (its Messages tab)</div>' : "";
  const edited = m.edited ? ' <span class="edited">(edited)</span>' : "";
  const file = m.file ? '<div class="file">📎 <a href="/playground/files/' + m.file.id + '">' + m.file.name + "</a></div>" : "";
  const replies = m.replies ? '<button class="open-thread" data-testid="open-thread" data-ts="' + m.ts + '">' +
    m.replies + (m.replies === 1 ? " reply" : " replies") + "</button>" : "";
  return only + '<div><span class="who">gong-erase-bot</span>' + edited + "</div>" + m.html + file + replies;
}
function drawList(container, items, testid) {
  const wanted = items.map((m) => m.ts + ":" + m.key);
  const have = Array.from(container.children).map((el) => el.dataset.ts + ":" + el.dataset.key);
  if (wanted.join() === have.join()) return;
  container.innerHTML = "";
  for (const m of items) {
    const el = document.createElement("div");
    el.className = "message";
    el.dataset.testid = testid;
    el.setAttribute("data-testid", testid);
    el.dataset.ts = m.ts;
    el.dataset.key = m.key;
    el.dataset.visibility = m.visibility;
    el.innerHTML = messageHtml(m);
    container.appendChild(el);
  }
  container.scrollTop = container.scrollHeight;
}
function draw() {
  if (!state) return;
  drawList($("messages"), state.messages, "message");
  const replies = openThread ? (state.threads[openThread] || []) : [];
  $("thread").classList.toggle("hidden", !openThread);
  $("panes").classList.toggle("with-thread", !!openThread);
  drawList($("thread-body"), replies, "thread-reply");
  if ($("home").dataset.key !== state.home_key) { $("home").innerHTML = state.home_html; $("home").dataset.key = state.home_key; }
  $("calls").innerHTML = state.gong.calls.map((c) => '<div class="gong-call' + (c.status >= 400 || c.timeout ? " bad" : "") +
    '" data-testid="gong-call">' + c.text + "</div>").join("");
  if (document.activeElement !== $("fault")) $("fault").value = state.gong.fault;
  $("approvals").value = String(state.approvals);
  $("clock").textContent = state.clock;
  const modal = state.modal;
  if (!modal) { $("modal").classList.add("hidden"); modalShown = null; }
  else if (modalShown !== modal.key) {
    const keep = {};
    $("modal-form").querySelectorAll("[data-kind=text]").forEach((f) => { keep[f.name] = f.value; });
    $("modal-title").textContent = modal.title;
    $("modal-submit").textContent = modal.submit;
    $("modal-form").innerHTML = modal.html;
    $("modal-form").querySelectorAll("[data-kind=text]").forEach((f) => { if (keep[f.name]) f.value = keep[f.name]; });
    $("modal").classList.remove("hidden");
    modalShown = modal.key;
  }
}
async function poll(now) {
  const user = me();
  if (!user) return;
  try {
    const answer = await fetch("/playground/state?user=" + encodeURIComponent(user) + "&since=" + (now ? -1 : version));
    const next = await answer.json();
    if (next.user !== me()) return;
    state = next; version = next.version; draw();
  } catch (e) { /* the server restarts on reset: try again */ }
}
function loop() { poll(false).finally(() => setTimeout(loop, 400)); }
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-testid=open-thread]");
  if (opener) { openThread = opener.dataset.ts; draw(); return; }
  const button = event.target.closest("[data-testid=block-button]");
  if (!button) return;
  const message = button.closest("[data-ts]");
  const click = {action_id: button.dataset.actionId, value: button.dataset.value,
                 ts: message ? message.dataset.ts : "", home: !!button.closest("#home")};
  if (button.dataset.confirm) {
    const c = JSON.parse(button.dataset.confirm);
    $("confirm-title").innerHTML = c.title; $("confirm-text").innerHTML = c.text;
    $("confirm-ok").innerHTML = c.confirm || "Confirm"; $("confirm-deny").innerHTML = c.deny || "Cancel";
    pending = click; $("confirm").classList.remove("hidden");
    return;
  }
  api("click", click);
});
$("confirm-ok").onclick = () => { $("confirm").classList.add("hidden"); if (pending) api("click", pending); pending = null; };
$("confirm-deny").onclick = () => { $("confirm").classList.add("hidden"); pending = null; };
$("close-thread").onclick = () => { openThread = null; draw(); };
$("composer").addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  let text = $("composer").value.trim();
  if (!text) return;
  text = text.replace(/^\\/gong-erase\\b\\s*/, "");
  $("composer").value = "";
  api("command", {text: text});
});
$("tab-channel").onclick = () => { tab = "channel"; $("home").classList.add("hidden"); $("panes").classList.remove("hidden");
  $("tab-channel").classList.add("active"); $("tab-home").classList.remove("active"); };
$("tab-home").onclick = () => { tab = "home"; $("home").classList.remove("hidden"); $("panes").classList.add("hidden");
  $("tab-home").classList.add("active"); $("tab-channel").classList.remove("active"); api("home"); };
$("user").onchange = () => { version = -1; openThread = null; modalShown = null; if (tab === "home") api("home"); poll(true); };
$("fault").onchange = () => api("fault", {fault: $("fault").value});
$("approvals").onchange = () => api("reset", {approvals: Number($("approvals").value)});
$("reset").onclick = () => { openThread = null; api("reset", {approvals: Number($("approvals").value)}); };
$("advance").onclick = () => api("advance", {hours: 6});
$("hold").onsubmit = (event) => { event.preventDefault();
  api("hold", {identifier: $("hold-id").value, calls: Number($("hold-calls").value), emails: Number($("hold-emails").value)}); };
$("modal-close").onclick = () => api("close");
$("modal-submit").onclick = async () => {
  const values = {};
  for (const field of $("modal-form").querySelectorAll("[data-block-id]")) {
    const entry = {kind: field.dataset.kind};
    if (field.dataset.kind === "file") {
      const file = field.files[0];
      if (file) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        let binary = ""; for (const b of bytes) binary += String.fromCharCode(b);
        entry.file = {name: file.name, content: btoa(binary)};
      }
    } else { entry.value = field.value; }
    values[field.dataset.blockId] = {[field.dataset.actionId]: entry};
  }
  modalShown = null;
  api("submit", {values: values});
};
fetch("/playground/users").then((r) => r.json()).then((users) => {
  $("user").innerHTML = users.map((u) => '<option value="' + u.id + '">' + u.role + " (" + u.name + ")</option>").join("");
  loop();
});
</script>
</body>
</html>
"""
