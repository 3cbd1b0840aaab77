// Loading a view's data: one pattern for every tab.

import { clear, setAlert } from './dom.js';
import { describe } from './api.js';
import { startLoad } from './state.js';
import { loading } from './widgets.js';

/**
 * Fetches and renders {@code view}: "Loading…" shows in {@code body} until the answer (always
 * with {@code fresh}, else only when it is empty), an answer that a newer load overtook is
 * dropped, and a failure empties the body and shows in the view's {@code alert}.
 */
export async function loadView(view, { body, alert, fresh = false, fetch, render, failed }) {
  const latest = startLoad(view);
  if (fresh) clear(body);
  if (!body.firstChild) body.append(loading());
  setAlert(alert, '');
  try {
    const data = await fetch();
    if (!latest()) return;
    render(data);
  } catch (err) {
    if (!latest()) return;
    clear(body);
    if (failed) failed();
    setAlert(alert, describe(err));
  }
}
