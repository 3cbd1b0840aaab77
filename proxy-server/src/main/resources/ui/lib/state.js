// The page's mutable state, all of it, in one object: views read and write it here, and no other
// module keeps anything mutable at its top level.

export const state = {
  /** Per view, the number of its latest load: the answer to an older load is dropped. */
  loads: { overview: 0, budgets: 0, customers: 0, customer: 0 },
  /** The last /budget/list, for the tables, the tier choosers and the default budget. */
  budgets: [],
  /** The customers list: its page, search text and status filter, and the rows shown. */
  customerList: { page: 1, q: '', status: '', rows: [] },
  /** The customer whose detail is shown. */
  currentCustomer: null,
  /** The budget the budget form edits; null while it creates one. */
  editingBudget: null,
  /** The customer the tier form moves. */
  tierTarget: null,
  /** The customer the region form edits. */
  routingTarget: null,
  /** What the confirm dialog runs on OK. */
  confirmAction: null,
};

/** Starts a load of {@code view}; the returned check says whether it is still the latest when it answers. */
export function startLoad(view) {
  const seq = ++state.loads[view];
  return () => seq === state.loads[view];
}

/** The default end-user budget among the known budgets, if one is configured. */
export function defaultBudget() {
  return state.budgets.find((b) => b.is_default) || null;
}
