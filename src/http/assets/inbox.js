// The inbox's keyboard shortcuts (htmx does the rest). Loaded as a file: the CSP allows no inline script.
//   j / ArrowDown, k / ArrowUp   move through the queue      Enter   open the focused item
//   1..9                         choose an answer option     a       focus the answer (or the first option)
//   u                            back to the queue           ?       show or hide the shortcuts
(function () {
  'use strict';

  function typing(target) {
    if (!(target instanceof Element)) return false;
    const tag = target.tagName;
    return (
      tag === 'TEXTAREA' ||
      tag === 'SELECT' ||
      (tag === 'INPUT' && target.type !== 'radio') ||
      target.isContentEditable
    );
  }

  function rows() {
    return Array.from(document.querySelectorAll('a[data-queue-item]'));
  }

  function move(step) {
    const all = rows();
    if (all.length === 0) return;
    const at = all.indexOf(document.activeElement);
    const next =
      at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    all[next].focus();
  }

  function chooseOption(n) {
    const options = Array.from(document.querySelectorAll('input[data-answer-option]'));
    const option = options[n - 1];
    if (!option) return false;
    option.checked = true;
    option.focus();
    return true;
  }

  function focusAnswer() {
    const target = document.querySelector('[data-answer-focus]');
    if (target) target.focus();
  }

  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) return;
    const key = event.key;
    if (key === 'j' || key === 'ArrowDown') {
      if (rows().length === 0) return;
      move(1);
    } else if (key === 'k' || key === 'ArrowUp') {
      if (rows().length === 0) return;
      move(-1);
    } else if (/^[1-9]$/.test(key)) {
      if (!chooseOption(Number(key))) return;
    } else if (key === 'a') {
      focusAnswer();
    } else if (key === 'u') {
      const back = document.querySelector('a[data-back]');
      if (!back) return;
      back.click();
    } else if (key === '?') {
      const help = document.getElementById('shortcuts');
      if (!help) return;
      help.hidden = !help.hidden;
    } else {
      return;
    }
    event.preventDefault();
  });
})();
