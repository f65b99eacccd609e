// The meeting page's tabs and event reducers; each feature registers its own.
// A tab: {id, label: () => string, visible: (state) => bool, render: (container, ctx) => cleanup?}
// A reducer: (state, event) => void, applied for every live event of its type.
export const tabs = [];
export const reducers = new Map();

export function registerTab(tab) {
  tabs.push(tab);
}

export function registerReducer(type, reducer) {
  if (!reducers.has(type)) reducers.set(type, []);
  reducers.get(type).push(reducer);
}

export function reduce(state, event) {
  for (const reducer of reducers.get(event.type) || []) reducer(state, event);
}
