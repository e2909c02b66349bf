"""Hooks for `npm run fuzz` (loaded through SCHEMATHESIS_HOOKS)."""

import re
import uuid

import schemathesis

# The API's Idempotency-Key pattern (api/schemas/common.ts).
VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    """Every generated case is a new request: give each a key of its own.

    The generator reuses values (the documented example, "0", …), and the API rightly answers a key
    reused for another request with 422 idempotency-key-reused. Keys that break the pattern are
    left as generated: the API must refuse them (400).
    """
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and VALID_KEY.match(str(headers[name])):
            headers[name] = str(uuid.uuid4())
