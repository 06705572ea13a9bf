# METADATA
# title: Scope enforcement
# description: |
#   Every route lists the OAuth scope it needs. A token without it gets 403 with
#   `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1); a request without a
#   token never reaches the policy on an authenticated route (the gateway answers 401), and on
#   an open route the policy answers 401 itself.
package scopes

import rego.v1

# The scope each route needs, by route id; data may override it.
default required_scopes := {"orders": "orders:read", "orders-write": "orders:write"}

required_scopes := data.scopes.required if data.scopes.required

needed := required_scopes[input.route.id]

decision := {"allow": false, "status": 401, "reason": "a bearer token is required"} if {
	input.token == null
}

decision := {"allow": true, "labels": {"scope": needed}} if {
	needed in input.token.scope
}

decision := {
	"allow": false,
	"status": 403,
	"reason": sprintf("this route needs scope %s", [needed]),
	"insufficient_scope": needed,
} if {
	input.token != null
	not needed in input.token.scope
}
