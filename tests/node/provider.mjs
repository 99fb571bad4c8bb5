// A real OpenID Connect provider for the sign-in tests: npm's certified oidc-provider on
// 127.0.0.1, with one confidential client and a few users who sign in through a plain
// login form (#login, #password). Consent is granted for the client when its user signs
// in (a company's provider does the same for its own apps), and the ID token carries the
// claims of the granted scopes (email, email_verified, name): what Streamlit's st.login
// reads, since it never calls the userinfo endpoint.
//
//   OIDC_CLIENT_SECRET=... node provider.mjs --client-id ID --redirect-uri URI \
//       --users users.json [--port 0]
//
// users.json: {"login": {"password", "email", "email_verified", "name"}, ...}. The
// secret comes from the environment, not argv, so no process listing shows it. Port 0
// (the default) takes a free port; the first line on stdout is the issuer,
// "issuer http://127.0.0.1:PORT", printed once the discovery document is served.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

function fail(message) {
  process.stderr.write(`provider: ${message}\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      users: { type: 'string' },
    },
  }));
} catch (error) {
  fail(error.message);
}
const secret = process.env.OIDC_CLIENT_SECRET;
if (!args['client-id'] || !args['redirect-uri'] || !args.users || !secret) {
  fail('needs --client-id, --redirect-uri, --users FILE and OIDC_CLIENT_SECRET');
}
let users;
try {
  users = JSON.parse(readFileSync(args.users, 'utf8'));
} catch (error) {
  fail(`cannot read the users file: ${error.message}`);
}

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(args.port), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

// Fresh keys on every start: nothing signed by an earlier run verifies.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: secret,
    redirect_uris: args['redirect-uri'],
    // Streamlit's st.logout comes back to its redirect URI.
    post_logout_redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    // Signing out at the provider needs no click (as with a provider that trusts the
    // client's own sign-out): the form is sent with "yes" as soon as it loads.
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!doctype html><html><head><title>Sign out</title></head><body>${form}
<script>const f = document.getElementById('op.logoutForm');
f.insertAdjacentHTML('beforeend', '<input type="hidden" name="logout" value="yes">');
f.submit();</script></body></html>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const user = users[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub, email: user.email, email_verified: user.email_verified ?? true, name: user.name,
        };
      },
    };
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginForm(res, uid, message) {
  res.statusCode = message ? 401 : 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!doctype html><html><head><title>Sign in</title></head><body>
<h1>Sign in to the test provider</h1>${message ? `<p id="error">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Login <input id="login" name="login" autocomplete="username" autofocus></label>
<label>Password <input id="password" name="password" type="password"></label>
<button type="submit" id="submit">Sign in</button></form></body></html>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

// The interaction pages: a login form, and on a right password the login together with a
// grant of the scopes asked for, so the provider never stops for consent.
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    loginForm(res, uid);
    return;
  }
  if (req.method !== 'POST' || action !== 'login') {
    res.statusCode = 405;
    res.end();
    return;
  }
  const form = await readForm(req);
  const login = form.get('login') ?? '';
  const user = Object.hasOwn(users, login) ? users[login] : undefined;
  if (!user || user.password !== form.get('password')) {
    loginForm(res, uid, 'Wrong login or password.');
    return;
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req, res, { login: { accountId: login }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const handle = provider.callback();
server.on('request', (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(req.url.split('?')[0]);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`interaction failed: ${error.message}`);
  });
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdout.write(`issuer ${issuer}\n`);
