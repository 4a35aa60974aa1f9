// The browser that the web-chat test drives: Debian's headless Chromium, installed
// once with apt-get when this machine lacks it (playwright's own browser downloads are not used).
const { execSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((p) => existsSync(p));
}

/** The Chromium binary's path, installing Debian's package first when it is missing and we may. */
function ensureChromium() {
  const found = chromiumPath();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    console.warn('Chromium is missing: install it (apt-get install chromium) or set CHROMIUM_PATH; the web-chat browser test needs it.');
    return undefined;
  }
  console.log('Installing Chromium for the web-chat browser test (once)...');
  execSync('apt-get update -qq && apt-get install -y -qq chromium', {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return chromiumPath();
}

module.exports = { chromiumPath, ensureChromium };
