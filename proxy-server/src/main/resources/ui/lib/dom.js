// DOM building. Every value reaches the page as a text node or an attribute value, never as
// markup: no HTML-parsing property or method is used anywhere in the page's modules.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an element. Strings and numbers among the children become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    // Inline handlers and styles would be refused by the CSP anyway; refuse them here first.
    if (/^on/i.test(name) || name === 'style') throw new Error('refusing attribute ' + name);
    if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const $ = (id) => document.getElementById(id);

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function show(el, on = true) {
  el.hidden = !on;
}

export function setAlert(el, message) {
  el.textContent = message || '';
  show(el, Boolean(message));
}
