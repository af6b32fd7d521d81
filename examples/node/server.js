// unroot example: a tiny HTTP server for an unprivileged user.
//
// Listens on the socket unroot passed (systemd socket activation: LISTEN_FDS=1, fd 3) when
// LISTEN_FDS is set for this process, and on $PORT (default 8080) otherwise. As PID 1 in a
// container, Node installs no default SIGTERM handler, so `docker stop` would wait the whole
// timeout and then SIGKILL: we handle SIGTERM/SIGINT ourselves and exit cleanly.
'use strict';
const http = require('http');
const fs = require('fs');

function passedFd() {
  const fds = parseInt(process.env.LISTEN_FDS || '0', 10);
  const pid = parseInt(process.env.LISTEN_PID || '0', 10);
  // LISTEN_PID guards against a variable inherited by a child it was not meant for.
  if (fds >= 1 && pid === process.pid) return 3;
  return null;
}

function status(field) {
  const line = fs.readFileSync('/proc/self/status', 'utf8')
    .split('\n').find((l) => l.startsWith(field + ':'));
  return line ? line.slice(field.length + 1).trim() : '';
}

const server = http.createServer((req, res) => {
  const body = JSON.stringify({
    pid: process.pid,
    uid: process.getuid(),
    gid: process.getgid(),
    groups: process.getgroups(),
    capEff: status('CapEff'),
    noNewPrivs: status('NoNewPrivs'),
    listenFdNames: process.env.LISTEN_FDNAMES || null,
    url: req.url,
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body + '\n');
});

const fd = passedFd();
const where = fd !== null ? { fd } : { port: parseInt(process.env.PORT || '8080', 10) };
server.listen(where, () => {
  console.log(`listening on ${fd !== null ? 'fd 3 (from unroot --listen)' : 'port ' + where.port}` +
              ` as uid ${process.getuid()}, pid ${process.pid}`);
});
server.on('error', (err) => {
  console.error(`server error: ${err.message}`);
  process.exit(1);
});

function stop(signal) {
  console.log(`${signal} received, closing`);
  server.close(() => process.exit(0));
  // Keep-alive connections can hold close() open; do not outlive the stop timeout.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
