package mobile_test

import rego.v1

import data.mobile

tok(sub, client) := {
	"request": {"method": "GET", "path": "/mobile/feed", "headers": {}},
	"token": {"active": true, "sub": sub, "client_id": client, "scope": [], "claims": {}},
	"route": {"id": "mobile", "upstream": "mobile"},
}

test_first_party_app_gets_high_app_limit if {
	d := mobile.decision with input as tok("u1", "mobile-app")
	d.allow
	{"key": "app:mobile-app", "limit": 6000, "window_s": 60} in d.rate_limit
	{"key": "user:u1", "limit": 120, "window_s": 60} in d.rate_limit
}

test_third_party_app_gets_low_app_limit if {
	d := mobile.decision with input as tok("u2", "partner")
	{"key": "app:partner", "limit": 600, "window_s": 60} in d.rate_limit
}

test_inactive_token_is_denied if {
	r := object.union(tok("u1", "mobile-app"), {"token": {"active": false}})
	not mobile.decision with input as r
}
