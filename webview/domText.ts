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

/** The elements with a space text node between each two: flex and grid containers do not render it, but the element's text (and its accessible name) then reads as words. */
export function spaced(document: Document, elements: readonly HTMLElement[]): Array<HTMLElement | Text> {
  return elements.flatMap((element, index) => (index === 0 ? [element] : [document.createTextNode(' '), element]));
}

/** Sets the text only when it differs: rewriting a live region with the same words makes some screen readers say them again. */
export function setTextIfChanged(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
