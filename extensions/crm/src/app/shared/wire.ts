/**
 * A server type as its JSON answer arrives in the app: a `Date` of the server is an ISO string
 * there. Pages type what they read from `/crm/*` with the module's own type through this, instead
 * of writing the fields out again.
 */
export type OnTheWire<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
