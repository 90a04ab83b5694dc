"""Schemathesis hooks of scripts/fuzz-api.sh (loaded with SCHEMATHESIS_HOOKS=fuzz_hooks).

Bodies schemathesis cannot build by itself get a strategy here: PATCH /api/v1/uploads/{id} takes a raw chunk of
the file (`application/offset+octet-stream`, as in the tus protocol), so the fuzzer sends random bytes.
"""

import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))
