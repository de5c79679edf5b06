import { Hono } from "hono";
import type { GatewayEnv } from "./envelope.ts";

// A dependency-free reference page rendered from /openapi.json in the browser: no CDN, so it
// works offline and behind firewalls.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>WeChat edge gateway API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:24px;color:#1b1f24}
h1{margin:0 0 4px}code,pre{font:13px ui-monospace,monospace;background:#f4f5f7;border-radius:4px}
pre{padding:10px;overflow:auto}.op{border:1px solid #dde1e6;border-radius:8px;margin:12px 0;padding:12px}
.m{display:inline-block;min-width:56px;font-weight:700;text-transform:uppercase}.get{color:#0a7d32}
.post{color:#0b5cad}.put{color:#8a5a00}.delete{color:#b3261e}details summary{cursor:pointer}
</style></head><body><h1>WeChat edge gateway API</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p><div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const out=document.getElementById('ops');out.textContent='';
  for(const [path,item] of Object.entries(doc.paths)){for(const [method,op] of Object.entries(item)){
    const d=document.createElement('div');d.className='op';
    const h=document.createElement('div');
    h.innerHTML='<span class="m '+method+'"></span> <code></code> <span></span>';
    h.children[0].textContent=method;h.children[1].textContent=path;h.children[2].textContent=op.summary||'';
    d.appendChild(h);
    if(op.description){const p=document.createElement('p');p.textContent=op.description;d.appendChild(p)}
    const det=document.createElement('details');det.innerHTML='<summary>Schema</summary><pre></pre>';
    det.querySelector('pre').textContent=JSON.stringify({security:op.security,parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);
    d.appendChild(det);out.appendChild(d);
  }}
});
</script></body></html>`;

export const docsRoutes = new Hono<GatewayEnv>();
docsRoutes.get("/docs", (c) => c.html(PAGE));
