// oidc-provider ships no type declarations; the test uses it untyped.
declare module 'oidc-provider';
