# Generates signature_vectors.json outside Go, with Python's hmac module.
# Run from the repository root:
#   python3 internal/lever/testdata/gen_signature_vectors.py > internal/lever/testdata/signature_vectors.json
import hmac, hashlib, base64, json
def h(key, msg): return hmac.new(key.encode(), msg.encode(), hashlib.sha256).hexdigest()
ST="f3a1c9e07b2d4a6f8e5c1b0a9d7e6f5a4b3c2d1e0f9a8b7c"
TOK="9d2f6b1c4e8a0f3b7c5d1e9a2b6c0d4f8e3a7b1c5d9e2f60"
TS=1700000000123
vec=[]
good=h(ST, TOK+str(TS))
vec.append(dict(name="reference worked example (lever-api.md §7.4)", signingToken=ST, token=TOK, triggeredAt=TS, signature=good, valid=True))
for (st,tok,ts,name) in [
  ("whsec-short", "a"*48, 1, "one-digit triggeredAt"),
  ("4b1d0c7e2f9a8d6c5b3e1f0a9c8d7e6f5a4b3c2d1e0f9a8b", "0123456789abcdef0123456789abcdef0123456789abcdef", 9223372036854775807, "max int64 triggeredAt (float64 would lose digits)"),
  ("ключ-üñí", "tök€n", 1712345678901, "non-ASCII key and token, UTF-8 bytes"),
]:
  vec.append(dict(name=name, signingToken=st, token=tok, triggeredAt=ts, signature=h(st, tok+str(ts)), valid=True))
vec.append(dict(name="wrong construction: HMAC over token only", signingToken=ST, token=TOK, triggeredAt=TS, signature=h(ST, TOK), valid=False))
vec.append(dict(name="wrong construction: triggeredAt before token", signingToken=ST, token=TOK, triggeredAt=TS, signature=h(ST, str(TS)+TOK), valid=False))
vec.append(dict(name="wrong encoding: base64 of the right digest", signingToken=ST, token=TOK, triggeredAt=TS, signature=base64.b64encode(bytes.fromhex(good)).decode(), valid=False))
vec.append(dict(name="wrong key: signed with another signing token", signingToken=ST, token=TOK, triggeredAt=TS, signature=h("not-the-token", TOK+str(TS)), valid=False))
vec.append(dict(name="float rendering: message built from 1.700000000123e+12", signingToken=ST, token=TOK, triggeredAt=TS, signature=h(ST, TOK+"1.700000000123e+12"), valid=False))
vec.append(dict(name="separator: token and triggeredAt joined with a dot", signingToken=ST, token=TOK, triggeredAt=TS, signature=h(ST, TOK+"."+str(TS)), valid=False))
vec.append(dict(name="truncated: first 32 hex digits of the right digest", signingToken=ST, token=TOK, triggeredAt=TS, signature=good[:32], valid=False))
vec.append(dict(name="empty signature", signingToken=ST, token=TOK, triggeredAt=TS, signature="", valid=False))
doc = {
 "comment": "HMAC-SHA256 webhook signature vectors for lever.Sign / Event.VerifySignature, computed outside Go with Python's hmac module: python3 internal/lever/testdata/gen_signature_vectors.py > internal/lever/testdata/signature_vectors.json (run from the repository root; per vector the digest is hmac.new(signingToken.encode(), (token + str(triggeredAt)).encode(), hashlib.sha256).hexdigest()). Message = token + decimal(triggeredAt), key = the webhook's signature token, output = lowercase hex. Vectors with valid=false must be rejected by VerifySignature.",
 "vectors": vec,
}
print(json.dumps(doc, indent=2, ensure_ascii=False))
