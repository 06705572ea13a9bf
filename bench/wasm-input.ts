/** The gateway input the WASM benches decide on: a typical ~1 KB request for the insurance example. */
export const benchInput = {
  request: {
    id: '2f6c1a9e-4b7d-4d1e-9a53-6f0f8c2b7e11',
    method: 'GET',
    path: '/car/insurance',
    query: { lang: ['en'], page: ['1'] },
    headers: { 'x-device': 'ios', accept: 'application/json', 'x-forwarded-for': '203.0.113.9' },
    host: 'api.example.com',
    scheme: 'https',
    remote_addr: '203.0.113.9',
  },
  token: {
    active: true,
    sub: 'alice',
    client_id: 'mobile-app',
    scope: ['car:read', 'home:read', 'profile'],
    exp: 1767225600,
    iss: 'https://idp.example.com',
    claims: { sub: 'alice', aud: 'api', iat: 1767222000, exp: 1767225600, azp: 'mobile-app', email: 'alice@example.com' },
  },
  route: { id: 'car-insurance', upstream: 'car' },
};
