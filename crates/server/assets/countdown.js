// The countdown of a timed attempt, the portal's one script (served as /assets/countdown.js,
// allowed only on the attempt's page by its nonce). The page works without it: the server
// enforces the deadline whatever this does.
//
// It reads #countdown: data-deadline and data-now (the deadline and the server's clock as the
// page was made, RFC 3339), data-late ("accept" or "refuse", the late policy) and the words to
// show (data-warn-five, data-warn-one, data-handing-in, data-time-up). It shows the time left,
// warns at 5 minutes and at 1 minute in an aria-live region, and when time runs out hands the
// attempt's form in with the answers typed so far: at the deadline when late answers are taken
// (marked late), a few seconds before it when they are refused.
(function () {
  "use strict";
  var box = document.getElementById("countdown");
  var form = document.getElementById("attempt-form");
  if (!box || !form) {
    return;
  }
  var deadline = Date.parse(box.getAttribute("data-deadline"));
  var serverNow = Date.parse(box.getAttribute("data-now"));
  if (isNaN(deadline) || isNaN(serverNow)) {
    return;
  }
  // The client's clock may be wrong: count from the server's.
  var skew = serverNow - Date.now();
  var lateTaken = box.getAttribute("data-late") === "accept";
  // A refused late answer must reach the server before the deadline.
  var handInAt = lateTaken ? deadline : deadline - 5000;
  var clock = document.getElementById("countdown-left");
  var shown = document.getElementById("countdown-clock");
  var alert = document.getElementById("countdown-alert");
  var warnings = [
    { before: 5 * 60 * 1000, words: box.getAttribute("data-warn-five"), said: false },
    { before: 60 * 1000, words: box.getAttribute("data-warn-one"), said: false }
  ];
  var handedIn = false;
  var timer = null;

  function now() {
    return Date.now() + skew;
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function say(words) {
    alert.textContent = words;
  }

  function handIn() {
    if (handedIn) {
      return;
    }
    handedIn = true;
    window.clearInterval(timer);
    if (now() > deadline && !lateTaken) {
      // Too late to be taken: the server would refuse it.
      say(box.getAttribute("data-time-up"));
      return;
    }
    say(box.getAttribute("data-handing-in"));
    var confirm = form.querySelector("input[name=confirm]");
    if (confirm) {
      confirm.checked = true;
    }
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "submit";
    form.appendChild(action);
    // submit() sends the form as it is, without the checks a click runs.
    form.submit();
  }

  function tick() {
    var left = Math.max(0, deadline - now());
    var seconds = Math.floor(left / 1000);
    clock.textContent =
      Math.floor(seconds / 3600) + ":" + two(Math.floor(seconds / 60) % 60) + ":" + two(seconds % 60);
    var due = null;
    warnings.forEach(function (warning) {
      if (!warning.said && left <= warning.before) {
        warning.said = true;
        due = warning.words;
      }
    });
    if (due) {
      say(due);
    }
    if (now() >= handInAt) {
      handIn();
    }
  }

  shown.hidden = false;
  tick();
  timer = window.setInterval(tick, 1000);
  // A timer of its own for the end: a page in the background ticks seldom, but this one fires.
  var wait = handInAt - now();
  if (wait < 2147483647) {
    window.setTimeout(tick, Math.max(0, wait));
  }
  // A page in the background may tick late; coming back, it catches up at once.
  document.addEventListener("visibilitychange", tick);
})();
