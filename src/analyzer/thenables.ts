// What counts as a promise: any type with a callable `then` (as typescript-eslint decides), and the
// cheap test that settles most calls without resolving them.
import { ts } from 'ts-morph';

const primitiveFlags = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.EnumLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void;

/** A type is thenable when it, or any member of a union, has a callable `then` (any and unknown are not). */
export function isThenable(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return false;
  if (type.isUnion()) return type.types.some((member) => isThenable(checker, member));
  if (type.flags & primitiveFlags) return false;
  const then = type.getProperty('then');
  if (!then) return false;
  const thenType = checker.getTypeOfSymbol(then);
  return thenType.getCallSignatures().length > 0 || (thenType.isUnion() && thenType.types.some((t) => t.getCallSignatures().length > 0));
}

/**
 * The cheap question first: can any signature of the callee return a thenable? Asking for the
 * callee's type avoids resolving the call (overloads, argument inference), which is most of what a
 * call's type costs. Only a signature whose declared return type has no `then` and no type
 * parameters settles it; anything else goes to the full check.
 */
export function cannotReturnThenable(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const signatures = checker.getTypeAtLocation(call.expression).getCallSignatures();
  if (signatures.length === 0) return false;
  return signatures.every((signature) => isSettledNonThenable(checker.getReturnTypeOfSignature(signature)));
}

function isSettledNonThenable(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Instantiable)) return false;
  if (type.isUnionOrIntersection()) return type.types.every(isSettledNonThenable);
  if (type.flags & (primitiveFlags | ts.TypeFlags.Never)) return true;
  return type.getProperty('then') === undefined;
}
