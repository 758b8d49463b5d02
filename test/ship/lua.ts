// Runs an Argo CD health script on an object, as Argo CD does (the object as global `obj`,
// the script's returned table read for status and message), in fengari — a Lua VM in
// JavaScript (a devDependency), so no Lua needs installing. Fengari is Lua 5.3 and Argo CD's
// gopher-lua is 5.1: the scripts keep to what both share. JSON maps and arrays become tables
// (arrays 1-based), null is nil, integers stay integers (tostring(1) is "1" in both).
import { createRequire } from 'node:module';

type State = unknown;
interface Fengari {
  lua: {
    LUA_OK: number;
    lua_pushnil(L: State): void;
    lua_pushboolean(L: State, b: boolean): void;
    lua_pushinteger(L: State, n: number): void;
    lua_pushnumber(L: State, n: number): void;
    lua_pushstring(L: State, s: Uint8Array): void;
    lua_createtable(L: State, narr: number, nrec: number): void;
    lua_setfield(L: State, idx: number, k: Uint8Array): void;
    lua_rawseti(L: State, idx: number, n: number): void;
    lua_setglobal(L: State, name: Uint8Array): void;
    lua_getfield(L: State, idx: number, k: Uint8Array): number;
    lua_istable(L: State, idx: number): boolean;
    lua_isstring(L: State, idx: number): boolean;
    lua_tojsstring(L: State, idx: number): string;
    lua_pcall(L: State, nargs: number, nresults: number, errfunc: number): number;
    lua_pop(L: State, n: number): void;
  };
  lauxlib: { luaL_newstate(): State; luaL_loadstring(L: State, s: Uint8Array): number };
  lualib: { luaL_openlibs(L: State): void };
  to_luastring(s: string): Uint8Array;
}

const { lua, lauxlib, lualib, to_luastring } = createRequire(import.meta.url)('fengari') as Fengari;

function push(L: State, v: unknown): void {
  if (v === null || v === undefined) lua.lua_pushnil(L);
  else if (typeof v === 'boolean') lua.lua_pushboolean(L, v);
  else if (typeof v === 'number') {
    // fengari's integers are 32-bit; larger ones go as floats (gopher-lua has only float64).
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 31) lua.lua_pushinteger(L, v);
    else lua.lua_pushnumber(L, v);
  } else if (typeof v === 'string') lua.lua_pushstring(L, to_luastring(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((item, i) => {
      push(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== undefined);
    lua.lua_createtable(L, 0, entries.length);
    for (const [k, x] of entries) {
      push(L, x);
      lua.lua_setfield(L, -2, to_luastring(k));
    }
  } else throw new Error(`cannot give Lua a ${typeof v}`);
}

export interface HealthStatus {
  status: string;
  message: string | undefined;
}

/** Runs `script` with `obj` as Argo CD would and returns the health it reports. */
export function runHealthScript(script: string, obj: unknown): HealthStatus {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK) throw new Error(`lua: ${lua.lua_tojsstring(L, -1)}`);
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) throw new Error(`lua: ${lua.lua_tojsstring(L, -1)}`);
  if (!lua.lua_istable(L, -1)) throw new Error('lua: the health script did not return a table');
  const field = (k: string): string | undefined => {
    lua.lua_getfield(L, -1, to_luastring(k));
    const s = lua.lua_isstring(L, -1) ? lua.lua_tojsstring(L, -1) : undefined;
    lua.lua_pop(L, 1);
    return s;
  };
  const status = field('status');
  if (status === undefined) throw new Error('lua: the health script returned no status');
  return { status, message: field('message') };
}
