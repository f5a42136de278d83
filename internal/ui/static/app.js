// Progressive enhancements; every page works without them.
(function () {
  // Show the fields of the chosen connection method and environment.
  function sync(form) {
    form.querySelectorAll('[data-show-when]').forEach(function (el) {
      var parts = el.getAttribute('data-show-when').split('=');
      var input = form.querySelector('[name="' + parts[0] + '"]:checked') || form.querySelector('select[name="' + parts[0] + '"]');
      var on = input && parts[1].split('|').indexOf(input.value) >= 0;
      el.classList.toggle('hidden', !on);
    });
  }
  document.querySelectorAll('form[data-dynamic]').forEach(function (form) {
    form.addEventListener('change', function () { sync(form); });
    sync(form);
  });

  // "Add a row" for the map settings.
  document.querySelectorAll('[data-add-row]').forEach(function (btn) {
    btn.classList.remove('hidden');
    btn.addEventListener('click', function (e) {
      e.preventDefault();
      var box = document.getElementById(btn.getAttribute('data-add-row'));
      var rows = box.querySelectorAll('.map-row');
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll('input').forEach(function (i) { i.value = ''; });
      copy.querySelectorAll('select').forEach(function (s) { s.selectedIndex = 0; });
      box.appendChild(copy);
    });
  });

  // Ask before destructive actions.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  });

  // The webhook check: poll which events have arrived since it started.
  var check = document.querySelector('[data-webhook-check]');
  if (check) {
    var url = check.getAttribute('data-webhook-check');
    var tries = 0;
    var poll = function () {
      fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (data) {
        var waiting = 0;
        Object.keys(data).forEach(function (ev) {
          var row = document.querySelector('tr[data-event="' + ev + '"]');
          if (!row) { return; }
          var cell = row.querySelector('.arrival');
          if (data[ev].arrived) {
            row.classList.remove('waiting'); row.classList.add('arrived');
            cell.textContent = 'arrived ' + data[ev].at + ' UTC (' + data[ev].result + ')';
          } else if (row.classList.contains('waiting')) { waiting++; }
        });
        tries++;
        if (waiting > 0 && tries < 60) { setTimeout(poll, 2000); }
      }).catch(function () {});
    };
    setTimeout(poll, 1000);
  }
  // Live pages: the parts marked data-live are read again every few
  // seconds while the page is in view, and replaced when they changed; a
  // part holding the focus waits, and opened "Raw" boxes stay open.
  if (document.querySelector('[data-live]') && window.fetch && window.DOMParser) {
    var every = 2000;
    var refresh = function () {
      if (document.hidden) { setTimeout(refresh, every); return; }
      fetch(location.href, { credentials: 'same-origin', headers: { 'X-Live': '1' } }).then(function (r) {
        if (!r.ok || r.redirected) { throw new Error('status ' + r.status); }
        return r.text();
      }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          var a = document.activeElement;
          if (!fresh || fresh.innerHTML === el.innerHTML || (a && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName) && el.contains(a))) { return; }
          // Only the relative times moved on: update them in place, so
          // that a selection or a scroll position inside is kept.
          var untimed = function (h) { return h.replace(/<time([^>]*)>[^<]*<\/time>/g, '<time$1></time>'); };
          if (untimed(fresh.innerHTML) === untimed(el.innerHTML)) {
            var now = fresh.querySelectorAll('time');
            el.querySelectorAll('time').forEach(function (t, i) { if (now[i]) { t.textContent = now[i].textContent; } });
            return;
          }
          var open = {};
          el.querySelectorAll('details[open][data-key]').forEach(function (d) { open[d.getAttribute('data-key')] = true; });
          el.innerHTML = fresh.innerHTML;
          el.querySelectorAll('details[data-key]').forEach(function (d) { if (open[d.getAttribute('data-key')]) { d.open = true; } });
        });
        document.body.setAttribute('data-live-at', String(Date.now()));
        setTimeout(refresh, every);
      }).catch(function () { setTimeout(refresh, every * 5); });
    };
    setTimeout(refresh, every);
  }
  // Copy buttons beside secrets shown once.
  document.querySelectorAll('[data-copy]').forEach(function (btn) {
    var src = document.getElementById(btn.getAttribute('data-copy'));
    if (!src) { return; }
    btn.classList.remove('hidden');
    btn.addEventListener('click', function () {
      var text = src.textContent.trim();
      var done = function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {});
      } else {
        var range = document.createRange(); range.selectNodeContents(src);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        try { if (document.execCommand('copy')) { done(); } } catch (e) {}
      }
    });
  });

  // On a narrow screen the navigation folds behind a Menu button.
  var header = document.querySelector('header.top');
  var menu = header && header.querySelector('.nav-button');
  if (menu) {
    header.classList.add('foldable');
    menu.classList.remove('hidden');
    menu.addEventListener('click', function () {
      var open = header.classList.toggle('open');
      menu.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
})();
