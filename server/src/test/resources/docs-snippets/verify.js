// The Node.js verify snippet from our public docs, unchanged, driven from the command line:
//   node verify.js BODY_FILE SIGNATURE_HEADER SECRET   -> prints true or false
const fs = require("fs");

const crypto = require("crypto");

function verify(body, signatureHeader, secret) {
  const expected =
    "sha256=" +
    crypto.createHmac("sha256", secret).update(body).digest("hex");
  return crypto.timingSafeEqual(
    Buffer.from(expected),
    Buffer.from(signatureHeader)
  );
}

const [bodyFile, header, secret] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile);
let ok;
try {
  ok = verify(body, header, secret);
} catch (e) {
  ok = false; // timingSafeEqual throws on a length mismatch
}
console.log(ok);
