// Answers the vscode tests' questions about the webview's DOM (the extension host cannot read it):
// the text, label and class of the elements a selector matches, how many <img> elements exist (a
// service's markup must never become one), and clicks. The host sends these only from its
// test-only command.
import type { RenderedQueryResult } from '../src/shared/livePanelProtocol';

export function queryRendered(root: HTMLElement, selector: string): RenderedQueryResult {
  let elements: HTMLElement[];
  try {
    elements = Array.from(root.querySelectorAll<HTMLElement>(selector));
  } catch {
    elements = [];
  }
  return {
    elements: elements.map((element) => ({
      text: element.textContent ?? '',
      ariaLabel: element.getAttribute('aria-label') ?? undefined,
      className: element.className,
    })),
    images: root.querySelectorAll('img').length,
  };
}

export function clickElement(root: HTMLElement, selector: string, index: number): boolean {
  let element: HTMLElement | undefined;
  try {
    element = root.querySelectorAll<HTMLElement>(selector)[index];
  } catch {
    return false;
  }
  element?.click();
  return element !== undefined;
}
