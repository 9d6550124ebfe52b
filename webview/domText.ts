// Builds elements whose strings are set as text, never parsed as markup: everything a service sends
// (span names, attributes, service names) goes through textContent.
export function createElement<K extends keyof HTMLElementTagNameMap>(document: Document, tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export function createButton(document: Document, className: string, text: string, onClick: () => void): HTMLButtonElement {
  const button = createElement(document, 'button', className, text);
  button.type = 'button';
  button.addEventListener('click', onClick);
  return button;
}
