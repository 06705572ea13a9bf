# METADATA
# title: Mobile insurance app
# description: |
#   The insurance app calls GET /car/insurance and GET /home/insurance with a user's access
#   token. The car API trusts HTTP basic auth from the gateway and wants the user id in its
#   path; the home API trusts an x-user-id header inside the network. A user only reaches the
#   API of a product they hold (token claim `products`, or data.insurance.customers).
package insurance

import rego.v1

default decision := {"allow": false, "status": 403, "reason": "no matching insurance product"}

# The products a caller holds: from the token when the identity provider puts them there,
# otherwise from the customer register shipped as data.
products contains p if some p in input.token.claims.products

products contains p if some p in data.insurance.customers[input.token.sub].products

decision := {
	"allow": true,
	"upstream": {
		"name": "car",
		"path": sprintf("/car/%s/get_my_insurance", [input.token.sub]),
		"credentials": "car-basic",
		"remove_headers": ["cookie"],
	},
	"labels": {"product": "car"},
} if {
	input.request.method == "GET"
	input.request.path == "/car/insurance"
	"car" in products
}

decision := {
	"allow": true,
	"upstream": {
		"name": "home",
		"path": "/home/insurance",
		"headers": {"x-user-id": input.token.sub},
		"remove_headers": ["cookie"],
	},
	"labels": {"product": "home"},
} if {
	input.request.method == "GET"
	input.request.path == "/home/insurance"
	"home" in products
}
