// Test-only HTTPS proxy in front of Azurite, for tests/start_task_e2e.rs.
//
// Logs every request (method, path, outcome; never a header) to LOG_FILE, answers 503 to the
// first two requests for a path that contains "flaky-" and to every request for a path that
// contains "down-", and forwards everything else to Azurite. Prints "listening <port>" once ready.
//
// usage: node flaky-proxy.js CERT KEY CA AZURITE_PORT LOG_FILE
'use strict';
const fs = require('fs');
const https = require('https');

const [certFile, keyFile, caFile, targetPort, logFile] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const seen = new Map();

const server = https.createServer(
  { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) },
  (req, res) => {
    const count = (seen.get(req.url) || 0) + 1;
    seen.set(req.url, count);
    const fail = (req.url.includes('flaky-') && count <= 2) || req.url.includes('down-');
    fs.appendFileSync(logFile, `${req.method} ${req.url} ${fail ? '503' : 'forwarded'}\n`);
    if (fail) {
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code>'
        + '<Message>The test proxy is busy.</Message></Error>');
      return;
    }
    const upstream = https.request(
      { host: '127.0.0.1', port: Number(targetPort), method: req.method, path: req.url,
        headers: req.headers, ca },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
