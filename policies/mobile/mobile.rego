# METADATA
# title: Mobile API rate limits
# description: |
#   A public mobile API: every call is allowed for an authenticated app, and the policy chooses
#   the rate-limit buckets — one per user and one per app (client), with higher limits for
#   first-party apps. The gateway enforces the buckets across instances.
package mobile

import rego.v1

first_party := {"mobile-app", "web-app"}

user_limit := 120

app_limit := 6000 if input.token.client_id in first_party

else := 600

buckets contains {"key": sprintf("user:%s", [input.token.sub]), "limit": user_limit, "window_s": 60} if {
	input.token.sub
}

buckets contains {"key": sprintf("app:%s", [input.token.client_id]), "limit": app_limit, "window_s": 60} if {
	input.token.client_id
}

default decision := false

decision := {
	"allow": true,
	"upstream": {"headers": {"x-user-id": object.get(input.token, "sub", ""), "x-client-id": input.token.client_id}},
	"rate_limit": sort([b | some b in buckets]),
	"response_headers": {"cache-control": "no-store"},
} if {
	input.token.active
}
