/* The grid worker's app: on-site checks and patrol reports, online or not.
   - tasks: fetched from /api/v1/site-checks/mine and kept in localStorage for offline opening;
   - writes: every submission is first put in an IndexedDB queue with a fresh Idempotency-Key, then
     sent; offline (or on a network error) it stays queued and is replayed when the network returns.
     The server answers a replayed key with the first response, so a replay never doubles. */
(function () {
  "use strict";
  const W = JSON.parse(document.getElementById("words").textContent);
  const t = (s) => W[s] || s;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const TASKS = "grid.tasks";
  let sending = false;

  // ---------------------------------------------------------------- the queue (IndexedDB)
  function idb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("grid-queue", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("outbox", { keyPath: "key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function store(mode, fn) {
    const db = await idb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("outbox", mode);
      const out = fn(tx.objectStore("outbox"));
      tx.oncomplete = () => resolve(out && out.result);
      tx.onerror = () => reject(tx.error);
    });
  }
  const queued = () => store("readonly", (s) => s.getAll());
  const enqueue = (item) => store("readwrite", (s) => s.put(item));
  const dequeue = (key) => store("readwrite", (s) => s.delete(key));
  const newKey = () => (crypto.randomUUID ? crypto.randomUUID()
    : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2));

  async function showCount() {
    const n = (await queued()).length;
    document.getElementById("queue-count").textContent = n ? `${t("待发送")} ${n} ${t("条")}` : "";
    document.body.dataset.queued = String(n);
  }

  async function send(item) {
    const body = new FormData();
    for (const [k, v] of Object.entries(item.fields)) { if (v !== null && v !== undefined && v !== "") body.append(k, v); }
    for (const p of item.photos || []) { body.append("photos", p.blob, p.name); }
    const res = await fetch(item.url, { method: "POST", body, credentials: "same-origin",
      headers: { "Idempotency-Key": item.key, "X-CSRF-Token": csrf } });
    return res;
  }

  async function flush() {
    if (sending || !navigator.onLine) { return; }
    sending = true;
    try {
      for (const item of (await queued()).sort((a, b) => a.created - b.created)) {
        let res;
        try { res = await send(item); } catch (e) { break; } // the network is gone again: keep it queued
        if (res.status === 409 && (await res.clone().json().catch(() => ({}))).error?.code === "request_in_progress") { break; }
        await dequeue(item.key);
        const data = await res.json().catch(() => ({}));
        note(item.ref, res.ok ? t("已发送") : `${t("发送失败")}：${data.error ? data.error.message : res.status}`, res.ok);
      }
    } finally {
      sending = false;
      await showCount();
      if (navigator.onLine) { loadTasks(); }
    }
  }

  function note(ref, text, ok) {
    const el = document.querySelector(`[data-ref="${ref}"] .status`);
    if (el) { el.textContent = text; el.dataset.ok = ok ? "true" : "false"; }
  }

  // ---------------------------------------------------------------- where and when
  function position() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null),
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  async function submit(form, url, ref, extra) {
    const status = form.querySelector(".status");
    status.textContent = t("正在获取位置…");
    const coords = await position();
    const fields = { ...extra, observed_at: new Date().toISOString(),
      latitude: coords ? coords.latitude : null, longitude: coords ? coords.longitude : null,
      accuracy_m: coords ? Math.round(coords.accuracy) : null };
    const photos = Array.from(form.querySelector('input[type="file"]').files || [])
      .map((f) => ({ name: f.name, blob: f }));
    await enqueue({ key: newKey(), url, ref, fields, photos, created: Date.now() });
    status.textContent = navigator.onLine ? t("已记录") : t("已排队，联网后发送");
    if (ref === "report") { form.reset(); } else { form.querySelectorAll("button").forEach((b) => { b.disabled = true; }); }
    await showCount();
    flush();
  }

  // ---------------------------------------------------------------- tasks
  function render(data, offline) {
    const box = document.getElementById("checks");
    box.replaceChildren();
    const banner = document.getElementById("offline");
    banner.hidden = !offline;
    banner.textContent = offline ? t("离线：显示上次同步的任务，提交将排队，联网后自动发送") : "";
    const checks = (data && data.checks) || [];
    if (!checks.length) {
      const p = document.createElement("p"); p.className = "card"; p.textContent = t("暂无核查任务"); box.append(p); return;
    }
    const tpl = document.getElementById("check-tpl");
    for (const c of checks) {
      const card = tpl.content.firstElementChild.cloneNode(true);
      const ref = `check-${c.id}`;
      card.dataset.ref = ref;
      card.querySelector("h2").textContent = `${c.order.title}`;
      card.querySelector(".meta").textContent = `${t("工单")} ${c.order.number} · ${t("地址")}：${c.order.address || "—"}`;
      card.querySelector(".instructions").textContent = `${t("核查要求")}：${c.instructions}`;
      const form = card.querySelector("form");
      form.setAttribute("aria-label", `${t("核查结果")} ${c.order.number}`);
      if (c.state !== "pending") {
        card.classList.add("done");
        form.replaceWith(Object.assign(document.createElement("p"),
          { className: "status", textContent: `${t("已核查")}：${c.result_label || ""} ${c.note || ""}` }));
      } else {
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          const fd = new FormData(form);
          submit(form, `/api/v1/site-checks/${c.id}/result`, ref, { result: fd.get("result"), note: fd.get("note") });
        });
      }
      box.append(card);
    }
  }

  async function loadTasks() {
    const cached = JSON.parse(localStorage.getItem(TASKS) || "null");
    if (!navigator.onLine) { render(cached, true); return; }
    try {
      const res = await fetch("/api/v1/site-checks/mine", { credentials: "same-origin" });
      if (!res.ok) { throw new Error(String(res.status)); }
      const data = await res.json();
      localStorage.setItem(TASKS, JSON.stringify(data));
      render(data, false);
    } catch (e) {
      render(cached, true);
    }
  }

  // ---------------------------------------------------------------- start
  document.querySelectorAll("nav.tabs button").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll("nav.tabs button").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
    document.getElementById("checks").hidden = b.dataset.tab !== "checks";
    document.getElementById("report").hidden = b.dataset.tab !== "report";
  }));
  const rf = document.getElementById("report-form");
  rf.dataset.ref = "report";
  rf.addEventListener("submit", (e) => {
    e.preventDefault();
    const fd = new FormData(rf);
    submit(rf, "/api/v1/grid/reports", "report",
      { title: fd.get("title"), content: fd.get("content"), address: fd.get("address"), kind: fd.get("kind") });
  });
  window.addEventListener("online", () => { loadTasks(); flush(); });
  window.addEventListener("offline", () => loadTasks());
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/grid/sw.js", { scope: "/grid/" }).then(() => navigator.serviceWorker.ready)
      .then(() => { document.body.dataset.sw = "ready"; }).catch(() => { document.body.dataset.sw = "failed"; });
  }
  loadTasks();
  showCount().then(flush);
})();
