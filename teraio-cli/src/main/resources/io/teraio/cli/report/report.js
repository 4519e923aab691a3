// Draws a teraio report from the JSON in #report-data as inline SVG. No libraries, nothing
// fetched: the page works offline. Sets data-report="drawn" on <html> when done.
(function () {
  'use strict';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var WIDTH = 1120;
  var COLORS = {
    live: '#c9d4e8', active: '#4f6fa8', resident: '#e07b00', capacity: '#c62828', stall: '#d32f2f',
    lane: '#e4e8f0', offloading: '#f7d08a', offloaded: '#f0a030', prefetching: '#5aa469',
    ssdRead: '#2e7d32', ssdWrite: '#c2185b', pcieToDevice: '#1565c0', pcieToHost: '#8e24aa'
  };
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('report');
  var tip = document.getElementById('tooltip');

  // ------------------------------------------------------------------ formatting

  var BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  function byteUnit(max) {
    var i = 0;
    while (i < BYTE_UNITS.length - 1 && max >= Math.pow(1024, i + 1)) { i++; }
    return i;
  }
  function fmtBytes(b) {
    var i = byteUnit(Math.abs(b));
    return (i === 0 ? String(Math.round(b)) : (b / Math.pow(1024, i)).toFixed(2)) + ' ' + BYTE_UNITS[i];
  }
  function fmtRate(b) { return fmtBytes(b) + '/s'; }
  function fmtTime(ns) {
    var a = Math.abs(ns);
    if (a >= 1e9) { return (ns / 1e9).toFixed(a >= 1e10 ? 1 : 2) + ' s'; }
    if (a >= 1e6) { return (ns / 1e6).toFixed(a >= 1e7 ? 1 : 2) + ' ms'; }
    if (a >= 1e3) { return (ns / 1e3).toFixed(a >= 1e4 ? 1 : 2) + ' \u00b5s'; }
    return Math.round(ns) + ' ns';
  }
  function niceStep(span, count) {
    var raw = span / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * mag >= raw) { return steps[i] * mag; }
    }
    return 10 * mag;
  }
  function byteStep(max, count) {
    var unit = Math.pow(1024, byteUnit(max));
    return niceStep(max / unit, count) * unit;
  }

  // ------------------------------------------------------------------ DOM

  function svgEl(tag, attrs, parent) {
    var e = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function htmlEl(tag, attrs, text, parent) {
    var e = document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    if (text !== null && text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function section(title, note) {
    var s = htmlEl('section', {}, null, root);
    htmlEl('h2', {}, title, s);
    if (note) { htmlEl('p', {'class': 'note'}, note, s); }
    return s;
  }
  function legend(parent, items) {
    var d = htmlEl('div', {'class': 'legend'}, null, parent);
    items.forEach(function (it) { htmlEl('span', {style: '--c:' + it[1]}, it[0], d); });
  }
  function table(parent, cls, columns, rows) {
    var t = htmlEl('table', {'class': cls}, null, parent);
    if (columns) {
      var hr = htmlEl('tr', {}, null, htmlEl('thead', {}, null, t));
      columns.forEach(function (c) { htmlEl('th', {}, c, hr); });
    }
    var body = htmlEl('tbody', {}, null, t);
    rows.forEach(function (r) {
      var tr = htmlEl('tr', {}, null, body);
      // A row whose cells after the second are all empty (a policy that does not run) spans them.
      var rest = r.slice(2).every(function (c) { return c === ''; });
      if (columns && r.length > 2 && rest) {
        htmlEl('td', {}, String(r[0]), tr);
        htmlEl('td', {colspan: columns.length - 1, 'class': 'wide'}, String(r[1]), tr);
        return;
      }
      r.forEach(function (c) { htmlEl('td', {}, String(c), tr); });
    });
    return t;
  }
  function showTip(evt, text) {
    tip.textContent = text;
    tip.hidden = false;
    var x = evt.clientX + 14;
    var y = evt.clientY + 14;
    var r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 4) { x = evt.clientX - r.width - 14; }
    if (y + r.height > window.innerHeight - 4) { y = evt.clientY - r.height - 14; }
    tip.style.left = Math.max(4, x) + 'px';
    tip.style.top = Math.max(4, y) + 'px';
  }
  function hideTip() { tip.hidden = true; }

  // ------------------------------------------------------------------ time charts

  var END = Math.max(1, data.endNs);
  var LEFT = 78;
  var RIGHT = 16;

  function xOf(t, left) {
    var l = left === undefined ? LEFT : left;
    return l + (WIDTH - l - RIGHT) * Math.min(Math.max(t, 0), END) / END;
  }
  function timeAxis(svg, left, top, bottom) {
    var g = svgEl('g', {'class': 'axis'}, svg);
    var step = niceStep(END, 8);
    for (var t = 0; t <= END + step * 1e-9; t += step) {
      var x = xOf(t, left);
      svgEl('line', {x1: x, x2: x, y1: top, y2: bottom}, g);
      svgEl('text', {x: x, y: bottom + 14, 'text-anchor': 'middle'}, g).textContent = fmtTime(t);
    }
  }
  function indexAt(times, t) {
    var lo = 0;
    var hi = times.length - 1;
    if (hi < 0 || t < times[0]) { return -1; }
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) { lo = mid; } else { hi = mid - 1; }
    }
    return lo;
  }
  function stepPath(times, values, yOf, area, baseline) {
    if (times.length === 0) { return ''; }
    var d = 'M' + xOf(times[0]).toFixed(1) + ' ' + (area ? baseline : yOf(values[0]).toFixed(1));
    for (var i = 0; i < times.length; i++) {
      d += ' H' + xOf(times[i]).toFixed(1) + ' V' + yOf(values[i]).toFixed(1);
    }
    d += ' H' + xOf(END).toFixed(1);
    if (area) { d += ' V' + baseline + ' Z'; }
    return d;
  }
  function stallAt(t) {
    var s = data.stalls || [];
    var slack = END / 600;
    for (var i = 0; i < s.length; i++) {
      if (t >= s[i][0] - slack && t <= s[i][1] + slack) { return s[i]; }
    }
    return null;
  }
  function describeStall(s) {
    return 'stall: ' + fmtTime(s[2]) + (s[3] > 1 ? ' over ' + s[3] + ' ops from' : ' before') + ' op ' + s[4]
        + ' (' + s[5] + ')';
  }

  /** A chart of step series over the iteration, with stall marks and a hover read-out. */
  function lineChart(parent, name, opts) {
    var height = opts.height;
    var top = 10;
    var bottom = height - 24;
    var svg = svgEl('svg', {'class': 'chart', 'data-chart': name, viewBox: '0 0 ' + WIDTH + ' ' + height,
      role: 'img', 'aria-label': opts.label}, parent);
    var max = opts.yMax > 0 ? opts.yMax * 1.06 : 1;
    function yOf(v) { return bottom - (bottom - top) * v / max; }
    var grid = svgEl('g', {'class': 'grid'}, svg);
    var step = opts.yStep(max, 5);
    for (var v = 0; v <= max; v += step) {
      svgEl('line', {x1: LEFT, x2: WIDTH - RIGHT, y1: yOf(v), y2: yOf(v)}, grid);
      svgEl('text', {x: LEFT - 6, y: yOf(v) + 4, 'text-anchor': 'end'}, grid).textContent = opts.yFmt(v);
    }
    timeAxis(svg, LEFT, top, bottom);
    (data.stalls || []).forEach(function (s) {
      var x0 = xOf(s[0]);
      var w = Math.max(1.5, xOf(s[1]) - x0);
      svgEl('rect', {'class': 'stall-band', x: x0, y: top, width: w, height: bottom - top, fill: COLORS.stall,
        'fill-opacity': 0.10}, svg);
      svgEl('rect', {'class': 'stall', x: x0, y: bottom - 6, width: w, height: 6, fill: COLORS.stall}, svg);
    });
    opts.series.forEach(function (s) {
      var attrs = {'class': 'series', 'data-series': s.key, d: stepPath(s.t, s.v, yOf, s.area, bottom)};
      if (s.area) {
        attrs.fill = s.color;
        attrs.stroke = 'none';
      } else {
        attrs.fill = 'none';
        attrs.stroke = s.color;
        attrs['stroke-width'] = 1.6;
      }
      svgEl('path', attrs, svg);
    });
    (opts.hlines || []).forEach(function (h) {
      svgEl('line', {'class': 'capacity', x1: LEFT, x2: WIDTH - RIGHT, y1: yOf(h.v), y2: yOf(h.v), stroke: h.color,
        'stroke-width': 1.5, 'stroke-dasharray': '6 4'}, svg);
      svgEl('text', {x: WIDTH - RIGHT - 4, y: yOf(h.v) - 5, 'text-anchor': 'end', style: 'fill:' + h.color},
        svg).textContent = h.label;
    });
    var guide = svgEl('line', {'class': 'guide', x1: 0, x2: 0, y1: top, y2: bottom, visibility: 'hidden'}, svg);
    var overlay = svgEl('rect', {x: LEFT, y: top, width: WIDTH - LEFT - RIGHT, height: bottom - top,
      fill: 'transparent'}, svg);
    overlay.addEventListener('mousemove', function (evt) {
      var box = svg.getBoundingClientRect();
      var vx = (evt.clientX - box.left) * WIDTH / box.width;
      var t = (vx - LEFT) / (WIDTH - LEFT - RIGHT) * END;
      guide.setAttribute('x1', vx);
      guide.setAttribute('x2', vx);
      guide.setAttribute('visibility', 'visible');
      var lines = ['at ' + fmtTime(t)];
      opts.series.forEach(function (s) {
        var i = indexAt(s.t, t);
        if (i >= 0) { lines.push(s.name + ': ' + opts.yFmt(s.v[i])); }
      });
      (opts.hlines || []).forEach(function (h) { lines.push(h.label); });
      var st = stallAt(t);
      if (st) { lines.push(describeStall(st)); }
      showTip(evt, lines.join('\n'));
    });
    overlay.addEventListener('mouseleave', function () {
      guide.setAttribute('visibility', 'hidden');
      hideTip();
    });
    return svg;
  }

  // ------------------------------------------------------------------ sections

  function summary() {
    var s = section('Summary', null);
    table(s, 'facts', null, data.facts);
    if (data.compare) {
      htmlEl('h2', {style: 'margin-top:12px'}, 'Every policy on the same hardware (compare)', s);
      table(s, 'grid compare', data.compare.columns, data.compare.rows);
    }
    if (data.worstStalls && data.worstStalls.length > 0) {
      htmlEl('h2', {style: 'margin-top:12px'}, 'Longest stalls', s);
      table(s, 'grid stalls', ['op', 'name', 'at', 'waited', 'waiting for'], data.worstStalls.map(function (r) {
        return [r[0], r[1], fmtTime(r[2]), fmtTime(r[3]), r[4]];
      }));
    }
  }

  function memoryChart() {
    var note = data.planned
      ? 'Live: bytes of the tensors alive with nothing moved. Active: bytes the running op uses. Resident: what the'
        + ' plan keeps in device memory (simulated). Red marks: the compute stream waiting (stalls).'
      : 'No plan: live and active bytes at the profiled op times. Give a PLAN, or hardware flags (--hardware,'
        + ' --gpu-mem), to see what a plan keeps resident and moves.';
    var s = section('Device memory over one iteration', note);
    var m = data.memory;
    var series = [
      {key: 'live', name: 'live', color: COLORS.live, t: m.t, v: m.live, area: true},
      {key: 'active', name: 'active', color: COLORS.active, t: m.t, v: m.active, area: true}
    ];
    var items = [['live', COLORS.live], ['active', COLORS.active]];
    var max = Math.max.apply(null, m.live.concat(m.active).concat([0]));
    if (data.resident) {
      series.push({key: 'resident', name: 'resident', color: COLORS.resident, t: data.resident.t,
        v: data.resident.v, area: false});
      items.push(['resident (with the plan)', COLORS.resident]);
      max = Math.max(max, Math.max.apply(null, data.resident.v.concat([0])));
    }
    var hlines = [];
    if (data.capacityBytes !== null) {
      hlines.push({v: data.capacityBytes, color: COLORS.capacity, label: 'capacity ' + fmtBytes(data.capacityBytes)});
      items.push(['capacity', COLORS.capacity]);
      max = Math.max(max, data.capacityBytes);
    }
    if (data.stalls && data.stalls.length > 0) { items.push(['stall', COLORS.stall]); }
    legend(s, items);
    lineChart(s, 'memory', {height: 300, yMax: max, yFmt: fmtBytes, yStep: byteStep, series: series,
      hlines: hlines, label: 'device memory over one iteration'});
  }

  function tensorChart() {
    var tensors = data.tensors;
    var s = section('The ' + tensors.length + ' largest tensors over one iteration',
      'Each row is a tensor: grey while alive, blue where ops use it'
      + (data.planned ? '; with the plan (simulated), light orange while it is written out, orange while it is'
        + ' off the device, green while it is read back.' : '.'));
    var items = [['alive', COLORS.lane], ['used (active)', COLORS.active]];
    if (data.planned) {
      items.push(['offloading', COLORS.offloading], ['offloaded', COLORS.offloaded],
        ['prefetching', COLORS.prefetching]);
    }
    legend(s, items);
    var left = 250;
    var lane = 16;
    var top = 6;
    var height = top + lane * tensors.length + 26;
    var svg = svgEl('svg', {'class': 'chart', 'data-chart': 'tensors', viewBox: '0 0 ' + WIDTH + ' ' + height,
      role: 'img', 'aria-label': 'tensor lifetimes'}, s);
    var bottom = top + lane * tensors.length;
    timeAxis(svg, left, top, bottom);
    var info = [];
    tensors.forEach(function (t, i) {
      var y = top + i * lane;
      var label = t.key.length > 28 ? '\u2026' + t.key.slice(t.key.length - 27) : t.key;
      svgEl('text', {x: left - 8, y: y + lane - 4, 'text-anchor': 'end'}, svg).textContent =
        label + '  ' + fmtBytes(t.bytes);
      var head = t.key + ' (' + t.kind + (t.persistent ? ', persistent' : '') + '), ' + fmtBytes(t.bytes);
      function rect(cls, from, to, color, text, inset) {
        var x0 = xOf(from, left);
        var r = svgEl('rect', {'class': cls, x: x0, y: y + inset, width: Math.max(1, xOf(to, left) - x0),
          height: lane - 2 * inset, fill: color, 'data-i': info.length}, svg);
        info.push(head + '\n' + text);
        return r;
      }
      rect('live', t.live[0], t.live[1], COLORS.lane, 'alive ' + fmtTime(t.live[0]) + ' to ' + fmtTime(t.live[1]), 2);
      t.active.forEach(function (a) {
        rect('active', a[0], a[1], COLORS.active, 'used ' + fmtTime(a[0]) + ' to ' + fmtTime(a[1]), 2);
      });
      var PHASES = [['offloading', 'written out to '], ['offloaded', 'offloaded to '],
        ['prefetching', 'read back from ']];
      t.moves.forEach(function (m) {
        var phase = PHASES[m[2]];
        rect(phase[0], m[0], m[1], COLORS[phase[0]], phase[1] + m[3] + ' from ' + fmtTime(m[0]) + ' to '
          + fmtTime(m[1]) + ' (' + fmtTime(m[1] - m[0]) + ')', 4);
      });
    });
    svg.addEventListener('mousemove', function (evt) {
      var i = evt.target.getAttribute && evt.target.getAttribute('data-i');
      if (i === null || i === undefined) { hideTip(); return; }
      showTip(evt, info[Number(i)]);
    });
    svg.addEventListener('mouseleave', hideTip);
  }

  function bandwidthChart() {
    if (!data.bandwidth) {
      section('SSD and PCIe bandwidth over one iteration', 'No plan: nothing moves.');
      return;
    }
    var s = section('SSD and PCIe bandwidth over one iteration',
      'Mean bytes per second over each interval, all SSDs together (simulated). Red marks: stalls.');
    var b = data.bandwidth;
    var series = [
      {key: 'ssdRead', name: 'SSD read', color: COLORS.ssdRead, t: b.ssdRead.t, v: b.ssdRead.v},
      {key: 'ssdWrite', name: 'SSD write', color: COLORS.ssdWrite, t: b.ssdWrite.t, v: b.ssdWrite.v},
      {key: 'pcieToDevice', name: 'PCIe to device', color: COLORS.pcieToDevice, t: b.pcieToDevice.t,
        v: b.pcieToDevice.v},
      {key: 'pcieToHost', name: 'PCIe to host', color: COLORS.pcieToHost, t: b.pcieToHost.t, v: b.pcieToHost.v}
    ];
    var max = 0;
    series.forEach(function (x) { max = Math.max(max, Math.max.apply(null, x.v.concat([0]))); });
    var items = series.map(function (x) { return [x.name, x.color]; });
    if (data.stalls && data.stalls.length > 0) { items.push(['stall', COLORS.stall]); }
    legend(s, items);
    lineChart(s, 'bandwidth', {height: 240, yMax: max, yFmt: fmtRate, yStep: byteStep, series: series,
      label: 'SSD and PCIe bandwidth over one iteration'});
  }

  try {
    summary();
    memoryChart();
    tensorChart();
    bandwidthChart();
    document.documentElement.setAttribute('data-report', 'drawn');
  } catch (e) {
    document.documentElement.setAttribute('data-report', 'failed');
    document.documentElement.setAttribute('data-report-error', String(e && e.stack ? e.stack : e));
    throw e;
  }
}());
