// Looking through the wrappers that do not change what an expression is: parentheses, and the
// type-only forms (`x as T`, `<T>x`, `x!`, `x satisfies T`).
import { ts } from 'ts-morph';

export function skipParentheses(node: ts.Expression): ts.Expression {
  let expression = node;
  while (ts.isParenthesizedExpression(expression)) expression = expression.expression;
  return expression;
}

export function skipOuterExpressions(node: ts.Expression): ts.Expression {
  let expression = node;
  while (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression) || ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression) || ts.isTypeAssertionExpression(expression)) {
    expression = expression.expression;
  }
  return expression;
}
