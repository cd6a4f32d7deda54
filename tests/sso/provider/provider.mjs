// A small OpenID Connect provider for the single sign-on tests: panva's oidc-provider (an
// OpenID Certified implementation) over HTTPS on 127.0.0.1, with the accounts of
// accounts.json, a plain sign-in page, RP-initiated and back-channel logout, and one test-only
// route that disables an account. It never writes a token, a code, a secret or a password to
// its output: only what happened.
//
// Settings, from the environment:
//   PROVIDER_PORT                 the port to listen on (127.0.0.1 only)
//   PROVIDER_CERT, PROVIDER_KEY   the test run's certificate and key (PEM files)
//   APP_URL                       the app's address, as https://127.0.0.1:PORT
//   CLIENT_ID, CLIENT_SECRET      the app's registration
// The app's own certificate is trusted through NODE_EXTRA_CA_CERTS (for back-channel logout).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

import Provider, { interactionPolicy } from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const port = Number(env('PROVIDER_PORT'));
const issuer = `https://127.0.0.1:${port}`;
const appUrl = env('APP_URL');
const { password, accounts } = JSON.parse(
  readFileSync(new URL('./accounts.json', import.meta.url), 'utf8'),
);
const disabled = new Set();

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

// A disabled or unknown account is not found: its session here no longer signs it in, and the
// sign-in page refuses it, as an identity provider does for a leaver.
async function findAccount(ctx, id) {
  const account = accounts[id];
  if (!account || disabled.has(id)) return undefined;
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        name: account.name,
        preferred_username: id,
        email: account.email,
        roles: account.roles,
      };
    },
  };
}

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

// A session here whose account was disabled since no longer signs it in: the sign-in page is
// shown again, and refuses the account.
const policy = interactionPolicy.base();
const { Check } = interactionPolicy;
policy.get('login').checks.push(new Check('account_disabled', 'the account is disabled',
  'login_required', (ctx) => (ctx.oidc.account ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT)));

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [`${appUrl}/nurse/sso/callback`],
    post_logout_redirect_uris: [`${appUrl}/nurse/login`],
    backchannel_logout_uri: `${appUrl}/nurse/sso/back-channel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    roles: ['roles'],
  },
  // The claims of the scopes asked for go into the ID token itself, as Entra ID puts `roles`.
  conformIdTokenClaims: false,
  cookies: { keys: [randomBytes(32).toString('hex')] },
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' }] },
  findAccount,
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The default pages load a web font from the internet; these are plain.
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out of the clinic account?', `${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out of the clinic account.</p>');
      },
    },
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<p>${escape(out.error)}</p>`);
  },
});

provider.on('backchannel.success', (ctx, client) => {
  console.log(`back-channel logout sent to ${client.clientId}`);
});
provider.on('backchannel.error', (ctx, error, client) => {
  console.log(`back-channel logout to ${client.clientId} failed: ${error.message}`);
});
provider.on('server_error', (ctx, error) => {
  console.log(`server error: ${error.name}`);
});

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10000) req.destroy();
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function loginPage(res, uid, message = '', status = 200) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page('Clinic sign-in', `${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label for="username">Username</label> <input id="username" name="username" autocomplete="username"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
<p><button type="submit">Sign in</button></p>
</form>`));
}

// A first-party app: what it asks for is granted without a consent page.
async function grantConsent(req, res, details) {
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  const consent = details.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const username = form.get('username') || '';
    if (!accounts[username] || form.get('password') !== password) {
      loginPage(res, uid, 'The username or password is wrong.', 401);
      return;
    }
    if (disabled.has(username)) {
      console.log(`sign-in refused: account ${username} is disabled`);
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'This account is disabled.',
      }, { mergeWithLastSubmission: false });
      return;
    }
    console.log(`account ${username} signed in`);
    await provider.interactionFinished(req, res, { login: { accountId: username } },
      { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'consent') {
    await grantConsent(req, res, details);
    return;
  }
  loginPage(res, uid);
}

// Test-only: disable an account, as a clinic's IT does for a leaver. From 127.0.0.1 only.
function admin(req, res, id) {
  const local = req.socket.remoteAddress === '127.0.0.1' || req.socket.remoteAddress === '::ffff:127.0.0.1';
  if (req.method !== 'POST' || !local || !accounts[id]) {
    res.writeHead(404).end();
    return;
  }
  disabled.add(id);
  console.log(`account ${id} disabled`);
  res.writeHead(204).end();
}

const handler = provider.callback();
const server = createServer({
  cert: readFileSync(env('PROVIDER_CERT')),
  key: readFileSync(env('PROVIDER_KEY')),
}, (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  const interactionPath = path.match(/^\/interaction\/([\w-]+)(?:\/(login))?$/);
  const adminPath = path.match(/^\/test-admin\/disable\/(\w+)$/);
  if (interactionPath) {
    interaction(req, res, interactionPath[1], interactionPath[2]).catch((error) => {
      console.log(`interaction failed: ${error.name}`);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('This sign-in has expired. Please start again.');
    });
  } else if (adminPath) {
    admin(req, res, adminPath[1]);
  } else {
    handler(req, res);
  }
});
server.listen(port, '127.0.0.1', () => console.log(`provider listening on ${issuer}`));
