// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom 20 lacks two things that the Grafana 13.2 package set (React 19) needs. Each is filled
// only where missing; on the 12.4 set (React 18) the scheduler then posts through the same
// timers it used without a channel, and nothing calls URL.canParse.
// React 19's server renderer, loaded by @grafana/ui's text truncation, schedules with a
// MessageChannel at import time.
if (typeof globalThis.MessageChannel === 'undefined') {
  // Messages go by timer, as React's scheduler does without a channel: Node's own MessagePort
  // would hold the test worker open once React sets its onmessage.
  class TimerPort {
    onmessage = null;
    other = null;
    postMessage(data) {
      setTimeout(() => this.other?.onmessage?.({ data }), 0);
    }
    start() {}
    close() {
      this.onmessage = null;
    }
  }
  globalThis.MessageChannel = class MessageChannel {
    constructor() {
      this.port1 = new TimerPort();
      this.port2 = new TimerPort();
      this.port1.other = this.port2;
      this.port2.other = this.port1;
    }
  };
}
// @braintree/sanitize-url 7.1 (used by @grafana/data 13.2's link sanitising) calls URL.canParse.
if (typeof URL.canParse !== 'function') {
  URL.canParse = (url, base) => {
    try {
      new URL(url, base);
      return true;
    } catch {
      return false;
    }
  };
}
