# The policy every authorizing bench scenario evaluates (regate's full pipeline and the Node peer
# gateway; the HAProxy peer writes the same rule as ACLs): GET under /api/ with scope `read`; it goes
# upstream as /users/<caller>/orders with the caller's id in a header, the backend credential is
# injected, and one generous per-user rate-limit bucket is asked for (large enough never to reject
# during a run, so the bench measures the check, not 429s).
package bench

import rego.v1

# Tokens from the client_credentials grant may have no `sub` (an introspected opaque token has
# only client_id): the caller is then the client.
caller := object.get(input.token, "sub", input.token.client_id)

default decision := {"allow": false, "status": 403, "reason": "GET /api/* needs scope read"}

decision := {
	"allow": true,
	"upstream": {
		"name": "up",
		"path": sprintf("/users/%s/orders", [caller]),
		"credentials": "up-basic",
		"headers": {"x-user-id": caller},
		"remove_headers": ["cookie"],
	},
	"rate_limit": [{"key": concat(":", ["user", caller]), "limit": 1000000000, "window_s": 60}],
} if {
	input.request.method == "GET"
	startswith(input.request.path, "/api/")
	"read" in input.token.scope
}
