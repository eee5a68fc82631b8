// A small element builder: text always goes in as text nodes, never as HTML, so keys and values
// from the store cannot inject markup into the page.

/** h('tr', {class: 'x', onclick: fn}, child, ...) with strings, numbers, nodes, arrays or null as children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An ISO time as the browser's local date and time. */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

/** A message box: kind is 'error', 'ok' or 'info'. */
export function note(kind, text) {
  return h('p', {class: 'note ' + kind, role: kind === 'error' ? 'alert' : 'status'}, text);
}
