// Checks a log entry's inclusion proof and the checkpoint signature in the browser.
// RFC 9162 §2.1.3.2 (verifying an inclusion proof) with WebCrypto SHA-256, and the C2SP
// signed-note Ed25519 signature with WebCrypto Ed25519 where the browser has it.
// Progressive enhancement: the page says the same without this script.
"use strict";

(function () {
  const box = document.getElementById("check");
  const button = document.getElementById("check-proof");
  const out = document.getElementById("check-result");
  if (!box || !button || !out || !window.crypto || !crypto.subtle) return;
  button.hidden = false;

  const enc = new TextEncoder();
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const hex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
  const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));
  const equal = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

  // RFC 9162 §2.1.3.2: fold the proof into a root; throws when the proof is malformed.
  async function rootFromInclusion(index, size, leaf, proof) {
    if (index >= size) throw new Error("index is not in the tree");
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) throw new Error("the proof is too long");
      if ((fn & 1) === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1) === 0) { while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1; sn >>= 1;
    }
    if (sn !== 0) throw new Error("the proof is too short");
    return r;
  }

  // C2SP signed-note: text, blank line, "— name base64(keyid(4) || signature)" lines.
  function parseNote(note) {
    const cut = note.lastIndexOf("\n\n");
    const text = note.slice(0, cut + 1);
    const sigs = note.slice(cut + 2).split("\n").filter((l) => l.startsWith("\u2014 "))
      .map((l) => { const [name, sig] = l.slice(2).split(" "); return { name, bytes: b64(sig) }; });
    const lines = text.split("\n");
    return { text, sigs, origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) };
  }

  // vkey: name+hex(keyid)+base64(0x01 || 32-byte Ed25519 public key)
  async function checkSignature(note, vkey) {
    // the base64 key may itself contain "+": split off name and key ID only
    const first = vkey.indexOf("+"), second = vkey.indexOf("+", first + 1);
    const [name, keyHex, keyB64] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
    const key = b64(keyB64);
    if (key[0] !== 1 || key.length !== 33) throw new Error("not an Ed25519 verifier key");
    const id = (await sha256(concat(enc.encode(name), new Uint8Array([10]), key))).slice(0, 4);
    if (hex(id) !== keyHex) throw new Error("the key ID does not match the key");
    const line = note.sigs.find((s) => s.name === name && equal(s.bytes.slice(0, 4), id));
    if (!line) throw new Error("no signature by this key on the checkpoint");
    if (note.origin !== name) throw new Error("the checkpoint origin is not the key name");
    let pub;
    try {
      pub = await crypto.subtle.importKey("raw", key.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      return "unsupported";
    }
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, pub, line.bytes.slice(4), enc.encode(note.text));
    if (!ok) throw new Error("the checkpoint signature is not valid");
    return "valid";
  }

  function say(text, good) {
    const p = document.createElement("p");
    p.className = good ? "ok" : "bad";
    p.textContent = text;
    out.appendChild(p);
  }

  button.addEventListener("click", async () => {
    out.textContent = "";
    const index = Number(box.dataset.index);
    const note = parseNote(document.getElementById("checkpoint-note").textContent);
    try {
      const res = await fetch(`/log/proof/inclusion?index=${index}&tree_size=${note.size}`);
      if (!res.ok) throw new Error(`the server gave no proof (HTTP ${res.status})`);
      const body = await res.json();
      const leaf = await leafHash(b64(box.dataset.entry));
      const root = await rootFromInclusion(index, note.size, leaf, body.proof.map(b64));
      if (!equal(root, note.root)) throw new Error("the proof does not lead to the checkpoint's root");
      say(`Proof checked: entry ${index} is in the log of ${note.size} entries (root recomputed in your browser).`, true);
    } catch (e) {
      say(`Proof check failed: ${e.message}.`, false);
      return;
    }
    try {
      const sig = await checkSignature(note, box.dataset.vkey);
      if (sig === "valid") {
        say("Signature checked: the checkpoint is signed by the published key (Ed25519, in your browser).", true);
      } else {
        say("Your browser cannot check Ed25519 signatures (WebCrypto), so the checkpoint signature was not checked here; use pallmall log verify.", false);
      }
    } catch (e) {
      say(`Signature check failed: ${e.message}.`, false);
    }
  });
})();
