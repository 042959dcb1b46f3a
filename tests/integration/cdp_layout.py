#!/usr/bin/env python3
"""Load a page in headless Chromium emulating a phone and report whether it fits the screen.

  cdp_layout.py URL [--width 360] [--height 740] [--timeout 30] [--chromium chromium]
                [--eval EXPR] [-- FLAGS]

Talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: the browser
reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4), so it needs
no WebSocket library and opens no port. Prints one JSON object:
  {"clientWidth": 360, "scrollWidth": 360, "innerWidth": 360, "overflowing": [...]}
where "overflowing" lists up to 8 elements whose right edge passes the layout viewport, outside
any element that scrolls horizontally itself (those are the ones that make the page scroll
sideways); with --eval, "eval" holds the value of EXPR evaluated in the loaded page. Exits 0 when the report was made (the caller judges it), 1 on any protocol error or
timeout, with the reason on stderr.
"""
import argparse
import json
import os
import select
import subprocess
import sys
import time

MEASURE = r"""
(() => {
  const root = document.documentElement;
  const vw = root.clientWidth;
  const scrollsItself = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;  // clipped ('hidden') is lost, not fine
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 0.5 && !scrollsItself(el)) {
      out.push({tag: el.tagName.toLowerCase(), cls: el.getAttribute('class') || '', right: Math.round(r.right),
                text: (el.textContent || '').trim().slice(0, 60)});
    }
  }
  out.sort((a, b) => b.right - a.right);
  return {clientWidth: vw, scrollWidth: root.scrollWidth, innerWidth: window.innerWidth,
          overflowing: out.slice(0, 8)};
})()
"""


class Browser:
    def __init__(self, chromium, flags, deadline):
        self.deadline = deadline
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # fds 3 and 4 in the child are what --remote-debugging-pipe reads and writes. The pipes
        # are close-on-exec, the dup2 copies are not; close_fds would close 3 and 4 after this.
        def child_fds():
            os.dup2(to_browser_r, 3)  # a no-op when it already is 3: hence set_inheritable
            os.dup2(from_browser_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--remote-debugging-pipe", *flags, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close", wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)

    def _read_message(self):
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from Chromium in time")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_browser, 65536)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe (did it start?)")
            self.buffer += chunk
            if len(self.buffer) > 64 << 20:
                raise ValueError("a DevTools message over 64 MiB")
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=None, wait=True):
        self.next_id += 1
        command = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self.to_browser, json.dumps(command).encode() + b"\0")
        if not wait:
            return None
        while True:
            message = self._read_message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method, session):
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._read_message())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--width", type=int, default=360)
    ap.add_argument("--height", type=int, default=740)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--eval", dest="expr", help="a JavaScript expression to evaluate in the page")
    ap.add_argument("flags", nargs="*")
    args = ap.parse_args()
    browser = Browser(args.chromium, args.flags, time.monotonic() + args.timeout)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        # A phone: the layout viewport follows the page's <meta name=viewport> as on a real one.
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": args.width, "height": args.height, "deviceScaleFactor": 2,
                      "mobile": True}, session)
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": args.url}, session)
        browser.wait_event("Page.loadEventFired", session)
        result = browser.send("Runtime.evaluate",
                              {"expression": MEASURE, "returnByValue": True}, session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"measuring script failed: {result['exceptionDetails']}")
        report = result["result"]["value"]
        if args.expr:
            extra = browser.send("Runtime.evaluate",
                                 {"expression": args.expr, "returnByValue": True}, session)
            if "exceptionDetails" in extra:
                raise RuntimeError(f"--eval failed: {extra['exceptionDetails']}")
            report["eval"] = extra["result"].get("value")
        print(json.dumps(report))
        return 0
    except (OSError, EOFError, TimeoutError, ValueError, RuntimeError, KeyError) as e:
        print(f"cdp_layout.py: {args.url}: {e}", file=sys.stderr)
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
