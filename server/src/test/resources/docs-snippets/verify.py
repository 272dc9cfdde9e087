# The Python verify snippet from our public docs, unchanged, driven from the command line:
#   python3 verify.py BODY_FILE SIGNATURE_HEADER SECRET   -> prints True or False
import sys

import hmac, hashlib

def verify(payload_body, signature_header, secret):
    expected = "sha256=" + hmac.new(
        secret.encode(), payload_body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature_header)

with open(sys.argv[1], "rb") as f:
    print(verify(f.read(), sys.argv[2], sys.argv[3]))
