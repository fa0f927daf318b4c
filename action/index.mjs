// Built by `npm run build:action` from src/action/ (esbuild); do not edit. See action.yml.
import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// builtin:node:crypto
var require_node_crypto = __commonJS({
  "builtin:node:crypto"(exports, module) {
    module.exports = __require("node:crypto");
  }
});

// builtin-esm:node:crypto
var m, createHash, createHmac, randomUUID, hash;
var init_node_crypto = __esm({
  "builtin-esm:node:crypto"() {
    m = require_node_crypto();
    createHash = /* @__PURE__ */ (() => m.createHash)();
    createHmac = /* @__PURE__ */ (() => m.createHmac)();
    randomUUID = /* @__PURE__ */ (() => m.randomUUID)();
    hash = /* @__PURE__ */ (() => m.hash)();
  }
});

// builtin:node:fs
var require_node_fs = __commonJS({
  "builtin:node:fs"(exports, module) {
    module.exports = __require("node:fs");
  }
});

// builtin-esm:node:fs
var m2, appendFileSync;
var init_node_fs = __esm({
  "builtin-esm:node:fs"() {
    m2 = require_node_fs();
    appendFileSync = /* @__PURE__ */ (() => m2.appendFileSync)();
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/is-array-buffer/is-array-buffer.js
var isArrayBuffer;
var init_is_array_buffer = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/is-array-buffer/is-array-buffer.js"() {
    isArrayBuffer = (arg) => typeof ArrayBuffer === "function" && arg instanceof ArrayBuffer || Object.prototype.toString.call(arg) === "[object ArrayBuffer]";
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-buffer-from/buffer-from.js
var fromString;
var init_buffer_from = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-buffer-from/buffer-from.js"() {
    fromString = (input2, encoding) => {
      if (typeof input2 !== "string") {
        throw new TypeError(`The "input" argument must be of type string. Received type ${typeof input2} (${input2})`);
      }
      return encoding ? Buffer.from(input2, encoding) : Buffer.from(input2);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/fromUtf8.js
var fromUtf8;
var init_fromUtf8 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/fromUtf8.js"() {
    init_buffer_from();
    fromUtf8 = (input2) => {
      const buf = fromString(input2, "utf8");
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength / Uint8Array.BYTES_PER_ELEMENT);
    };
  }
});

// node_modules/@smithy/types/dist-es/middleware.js
var SMITHY_CONTEXT_KEY;
var init_middleware = __esm({
  "node_modules/@smithy/types/dist-es/middleware.js"() {
    SMITHY_CONTEXT_KEY = "__smithy_context";
  }
});

// node_modules/@smithy/types/dist-es/profile.js
var IniSectionType;
var init_profile = __esm({
  "node_modules/@smithy/types/dist-es/profile.js"() {
    (function(IniSectionType2) {
      IniSectionType2["PROFILE"] = "profile";
      IniSectionType2["SSO_SESSION"] = "sso-session";
      IniSectionType2["SERVICES"] = "services";
    })(IniSectionType || (IniSectionType = {}));
  }
});

// node_modules/@smithy/types/dist-es/index.js
var init_dist_es = __esm({
  "node_modules/@smithy/types/dist-es/index.js"() {
    init_middleware();
    init_profile();
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/getSmithyContext.js
var getSmithyContext;
var init_getSmithyContext = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/getSmithyContext.js"() {
    init_dist_es();
    getSmithyContext = (context) => context[SMITHY_CONTEXT_KEY] || (context[SMITHY_CONTEXT_KEY] = {});
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/hasOwn.js
function hasOwn(o, k) {
  return Object.prototype.hasOwnProperty.call(o, k);
}
var init_hasOwn = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/hasOwn.js"() {
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/httpRequest.js
function cloneQuery(query) {
  return Object.keys(query).reduce((carry, paramName) => {
    const param = query[paramName];
    return {
      ...carry,
      [paramName]: Array.isArray(param) ? [...param] : param
    };
  }, {});
}
var HttpRequest;
var init_httpRequest = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/httpRequest.js"() {
    HttpRequest = class _HttpRequest {
      method;
      protocol;
      hostname;
      port;
      path;
      query;
      headers;
      username;
      password;
      fragment;
      body;
      constructor(options) {
        this.method = options.method || "GET";
        this.hostname = options.hostname || "localhost";
        this.port = options.port;
        this.query = options.query || {};
        this.headers = options.headers || {};
        this.body = options.body;
        this.protocol = options.protocol ? options.protocol.slice(-1) !== ":" ? `${options.protocol}:` : options.protocol : "https:";
        this.path = options.path ? options.path.charAt(0) !== "/" ? `/${options.path}` : options.path : "/";
        this.username = options.username;
        this.password = options.password;
        this.fragment = options.fragment;
      }
      static clone(request2) {
        const cloned = new _HttpRequest({
          ...request2,
          headers: { ...request2.headers }
        });
        if (cloned.query) {
          cloned.query = cloneQuery(cloned.query);
        }
        return cloned;
      }
      static isInstance(request2) {
        if (!request2) {
          return false;
        }
        const req = request2;
        return "method" in req && "protocol" in req && "hostname" in req && "path" in req && typeof req["query"] === "object" && typeof req["headers"] === "object";
      }
      clone() {
        return _HttpRequest.clone(this);
      }
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/isValidHostLabel.js
var VALID_HOST_LABEL_REGEX, isValidHostLabel;
var init_isValidHostLabel = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/isValidHostLabel.js"() {
    VALID_HOST_LABEL_REGEX = new RegExp(`^(?!.*-$)(?!-)[a-zA-Z0-9-]{1,63}$`);
    isValidHostLabel = (value, allowSubDomains = false) => {
      if (!allowSubDomains) {
        return VALID_HOST_LABEL_REGEX.test(value);
      }
      const labels = value.split(".");
      for (const label of labels) {
        if (!isValidHostLabel(label)) {
          return false;
        }
      }
      return true;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/normalizeProvider.js
var normalizeProvider;
var init_normalizeProvider = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/normalizeProvider.js"() {
    normalizeProvider = (input2) => {
      if (typeof input2 === "function") {
        return input2;
      }
      const promisified = Promise.resolve(input2);
      return () => promisified;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/parseQueryString.js
function parseQueryString(querystring) {
  const query = {};
  querystring = querystring.replace(/^\?/, "");
  if (querystring) {
    for (const pair of querystring.split("&")) {
      let [key, value = null] = pair.split("=");
      key = decodeURIComponent(key);
      if (value) {
        value = decodeURIComponent(value);
      }
      if (!(key in query)) {
        query[key] = value;
      } else if (Array.isArray(query[key])) {
        query[key].push(value);
      } else {
        query[key] = [query[key], value];
      }
    }
  }
  return query;
}
var init_parseQueryString = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/parseQueryString.js"() {
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/parseUrl.js
var parseUrl;
var init_parseUrl = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/parseUrl.js"() {
    init_parseQueryString();
    parseUrl = (url) => {
      if (typeof url === "string") {
        return parseUrl(new URL(url));
      }
      const { hostname, pathname, port, protocol, search } = url;
      let query;
      if (search) {
        query = parseQueryString(search);
      }
      return {
        hostname,
        port: port ? parseInt(port) : void 0,
        protocol,
        path: pathname,
        query
      };
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/toEndpointV1.js
var toEndpointV1;
var init_toEndpointV1 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/toEndpointV1.js"() {
    init_hasOwn();
    init_parseUrl();
    toEndpointV1 = (endpoint) => {
      if (typeof endpoint === "object") {
        if ("url" in endpoint) {
          const v1Endpoint = parseUrl(endpoint.url);
          if (endpoint.headers) {
            v1Endpoint.headers = {};
            for (const name in endpoint.headers) {
              if (!hasOwn(endpoint.headers, name)) {
                continue;
              }
              v1Endpoint.headers[name.toLowerCase()] = endpoint.headers[name].join(", ");
            }
          }
          return v1Endpoint;
        }
        return endpoint;
      }
      return parseUrl(endpoint);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/index.js
var init_transport = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/index.js"() {
    init_getSmithyContext();
    init_hasOwn();
    init_httpRequest();
    init_isValidHostLabel();
    init_normalizeProvider();
    init_toEndpointV1();
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-hex-encoding/hex-encoding.js
function fromHex(encoded) {
  if (encoded.length % 2 !== 0) {
    throw new Error("Hex encoded strings must have an even number length");
  }
  const out = new Uint8Array(encoded.length / 2);
  for (let i = 0; i < encoded.length; i += 2) {
    const encodedByte = encoded.slice(i, i + 2).toLowerCase();
    if (encodedByte in HEX_TO_SHORT) {
      out[i / 2] = HEX_TO_SHORT[encodedByte];
    } else {
      throw new Error(`Cannot decode unrecognized sequence ${encodedByte} as hexadecimal`);
    }
  }
  return out;
}
function toHex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.byteLength; i++) {
    out += SHORT_TO_HEX[bytes[i]];
  }
  return out;
}
var SHORT_TO_HEX, HEX_TO_SHORT;
var init_hex_encoding = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-hex-encoding/hex-encoding.js"() {
    SHORT_TO_HEX = {};
    HEX_TO_SHORT = {};
    for (let i = 0; i < 256; i++) {
      let encodedByte = i.toString(16).toLowerCase();
      if (encodedByte.length === 1) {
        encodedByte = `0${encodedByte}`;
      }
      SHORT_TO_HEX[i] = encodedByte;
      HEX_TO_SHORT[encodedByte] = i;
    }
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/toUint8Array.js
var toUint8Array;
var init_toUint8Array = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/toUint8Array.js"() {
    init_fromUtf8();
    toUint8Array = (data) => {
      if (data instanceof Uint8Array) {
        return data;
      }
      if (typeof data === "string") {
        return fromUtf8(data);
      }
      if (ArrayBuffer.isView(data)) {
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength / Uint8Array.BYTES_PER_ELEMENT);
      }
      return new Uint8Array(data);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/property-provider/ProviderError.js
var ProviderError;
var init_ProviderError = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/property-provider/ProviderError.js"() {
    ProviderError = class _ProviderError extends Error {
      name = "ProviderError";
      tryNextLink;
      constructor(message, options = true) {
        let logger;
        let tryNextLink = true;
        if (typeof options === "boolean") {
          logger = void 0;
          tryNextLink = options;
        } else if (options != null && typeof options === "object") {
          logger = options.logger;
          tryNextLink = options.tryNextLink ?? true;
        }
        super(message);
        this.tryNextLink = tryNextLink;
        Object.setPrototypeOf(this, _ProviderError.prototype);
        logger?.debug?.(`@smithy/property-provider ${tryNextLink ? "->" : "(!)"} ${message}`);
      }
      static from(error, options = true) {
        return Object.assign(new this(error.message, options), error);
      }
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/property-provider/CredentialsProviderError.js
var CredentialsProviderError;
var init_CredentialsProviderError = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/property-provider/CredentialsProviderError.js"() {
    init_ProviderError();
    CredentialsProviderError = class _CredentialsProviderError extends ProviderError {
      name = "CredentialsProviderError";
      constructor(message, options = true) {
        super(message, options);
        Object.setPrototypeOf(this, _CredentialsProviderError.prototype);
      }
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/property-provider/chain.js
var chain;
var init_chain = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/property-provider/chain.js"() {
    init_ProviderError();
    chain = (...providers) => async () => {
      if (providers.length === 0) {
        throw new ProviderError("No providers in chain");
      }
      let lastProviderError;
      for (const provider of providers) {
        try {
          const credentials = await provider();
          return credentials;
        } catch (err) {
          lastProviderError = err;
          if (err?.tryNextLink) {
            continue;
          }
          throw err;
        }
      }
      throw lastProviderError;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/property-provider/fromValue.js
var fromValue;
var init_fromValue = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/property-provider/fromValue.js"() {
    fromValue = (staticValue) => () => Promise.resolve(staticValue);
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/property-provider/memoize.js
var memoize;
var init_memoize = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/property-provider/memoize.js"() {
    memoize = (provider, isExpired, requiresRefresh) => {
      let resolved;
      let pending;
      let hasResult;
      let isConstant = false;
      const coalesceProvider = async () => {
        if (!pending) {
          pending = provider();
        }
        try {
          resolved = await pending;
          hasResult = true;
          isConstant = false;
        } finally {
          pending = void 0;
        }
        return resolved;
      };
      if (isExpired === void 0) {
        return async (options) => {
          if (!hasResult || options?.forceRefresh) {
            resolved = await coalesceProvider();
          }
          return resolved;
        };
      }
      return async (options) => {
        if (!hasResult || options?.forceRefresh) {
          resolved = await coalesceProvider();
        }
        if (isConstant) {
          return resolved;
        }
        if (requiresRefresh && !requiresRefresh(resolved)) {
          isConstant = true;
          return resolved;
        }
        if (isExpired(resolved)) {
          await coalesceProvider();
          return resolved;
        }
        return resolved;
      };
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/util-config-provider/booleanSelector.js
var booleanSelector;
var init_booleanSelector = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/util-config-provider/booleanSelector.js"() {
    booleanSelector = (obj, key, type) => {
      if (!(key in obj)) {
        return void 0;
      }
      if (obj[key] === "true") {
        return true;
      }
      if (obj[key] === "false") {
        return false;
      }
      throw new Error(`Cannot load ${type} "${key}". Expected "true" or "false", got ${obj[key]}.`);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/util-config-provider/types.js
var SelectorType;
var init_types = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/util-config-provider/types.js"() {
    (function(SelectorType2) {
      SelectorType2["ENV"] = "env";
      SelectorType2["CONFIG"] = "shared config entry";
    })(SelectorType || (SelectorType = {}));
  }
});

// builtin:node:os
var require_node_os = __commonJS({
  "builtin:node:os"(exports, module) {
    module.exports = __require("node:os");
  }
});

// builtin-esm:node:os
var m3, homedir;
var init_node_os = __esm({
  "builtin-esm:node:os"() {
    m3 = require_node_os();
    homedir = /* @__PURE__ */ (() => m3.homedir)();
  }
});

// builtin:node:path
var require_node_path = __commonJS({
  "builtin:node:path"(exports, module) {
    module.exports = __require("node:path");
  }
});

// builtin-esm:node:path
var m4, join, sep;
var init_node_path = __esm({
  "builtin-esm:node:path"() {
    m4 = require_node_path();
    join = /* @__PURE__ */ (() => m4.join)();
    sep = /* @__PURE__ */ (() => m4.sep)();
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getHomeDir.js
var homeDirCache, getHomeDirCacheKey, getHomeDir;
var init_getHomeDir = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getHomeDir.js"() {
    init_node_os();
    init_node_path();
    homeDirCache = {};
    getHomeDirCacheKey = () => {
      if (process && process.geteuid) {
        return `${process.geteuid()}`;
      }
      return "DEFAULT";
    };
    getHomeDir = () => {
      const { HOME, USERPROFILE, HOMEPATH, HOMEDRIVE = `C:${sep}` } = process.env;
      if (HOME) {
        return HOME;
      }
      if (USERPROFILE) {
        return USERPROFILE;
      }
      if (HOMEPATH) {
        return `${HOMEDRIVE}${HOMEPATH}`;
      }
      const homeDirCacheKey = getHomeDirCacheKey();
      if (!homeDirCache[homeDirCacheKey]) {
        homeDirCache[homeDirCacheKey] = homedir();
      }
      return homeDirCache[homeDirCacheKey];
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getProfileName.js
var ENV_PROFILE, DEFAULT_PROFILE, getProfileName;
var init_getProfileName = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getProfileName.js"() {
    ENV_PROFILE = "AWS_PROFILE";
    DEFAULT_PROFILE = "default";
    getProfileName = (init) => init.profile || process.env[ENV_PROFILE] || DEFAULT_PROFILE;
  }
});

// builtin:node:fs/promises
var require_promises = __commonJS({
  "builtin:node:fs/promises"(exports, module) {
    module.exports = __require("node:fs/promises");
  }
});

// builtin-esm:node:fs/promises
var m5, readFile;
var init_promises = __esm({
  "builtin-esm:node:fs/promises"() {
    m5 = require_promises();
    readFile = /* @__PURE__ */ (() => m5.readFile)();
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/constants.js
var CONFIG_PREFIX_SEPARATOR;
var init_constants = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/constants.js"() {
    CONFIG_PREFIX_SEPARATOR = ".";
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getConfigData.js
var getConfigData;
var init_getConfigData = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getConfigData.js"() {
    init_dist_es();
    init_constants();
    getConfigData = (data) => Object.entries(data).filter(([key]) => {
      const indexOfSeparator = key.indexOf(CONFIG_PREFIX_SEPARATOR);
      if (indexOfSeparator === -1) {
        return false;
      }
      return Object.values(IniSectionType).includes(key.substring(0, indexOfSeparator));
    }).reduce((acc, [key, value]) => {
      const indexOfSeparator = key.indexOf(CONFIG_PREFIX_SEPARATOR);
      const updatedKey = key.substring(0, indexOfSeparator) === IniSectionType.PROFILE ? key.substring(indexOfSeparator + 1) : key;
      acc[updatedKey] = value;
      return acc;
    }, {
      ...data.default && { default: data.default }
    });
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getConfigFilepath.js
var ENV_CONFIG_PATH, getConfigFilepath;
var init_getConfigFilepath = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getConfigFilepath.js"() {
    init_node_path();
    init_getHomeDir();
    ENV_CONFIG_PATH = "AWS_CONFIG_FILE";
    getConfigFilepath = () => process.env[ENV_CONFIG_PATH] || join(getHomeDir(), ".aws", "config");
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getCredentialsFilepath.js
var ENV_CREDENTIALS_PATH, getCredentialsFilepath;
var init_getCredentialsFilepath = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/getCredentialsFilepath.js"() {
    init_node_path();
    init_getHomeDir();
    ENV_CREDENTIALS_PATH = "AWS_SHARED_CREDENTIALS_FILE";
    getCredentialsFilepath = () => process.env[ENV_CREDENTIALS_PATH] || join(getHomeDir(), ".aws", "credentials");
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/parseIni.js
var prefixKeyRegex, profileNameBlockList, parseIni;
var init_parseIni = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/parseIni.js"() {
    init_dist_es();
    init_constants();
    prefixKeyRegex = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
    profileNameBlockList = ["__proto__", "profile __proto__"];
    parseIni = (iniData) => {
      const map = {};
      let currentSection;
      let currentSubSection;
      for (const iniLine of iniData.split(/\r?\n/)) {
        const trimmedLine = iniLine.split(/(^|\s)[;#]/)[0].trim();
        const isSection = trimmedLine[0] === "[" && trimmedLine[trimmedLine.length - 1] === "]";
        if (isSection) {
          currentSection = void 0;
          currentSubSection = void 0;
          const sectionName = trimmedLine.substring(1, trimmedLine.length - 1);
          const matches = prefixKeyRegex.exec(sectionName);
          if (matches) {
            const [, prefix, , name] = matches;
            if (Object.values(IniSectionType).includes(prefix)) {
              currentSection = [prefix, name].join(CONFIG_PREFIX_SEPARATOR);
            }
          } else {
            currentSection = sectionName;
          }
          if (profileNameBlockList.includes(sectionName)) {
            throw new Error(`Found invalid profile name "${sectionName}"`);
          }
        } else if (currentSection) {
          const indexOfEqualsSign = trimmedLine.indexOf("=");
          if (![0, -1].includes(indexOfEqualsSign)) {
            const [name, value] = [
              trimmedLine.substring(0, indexOfEqualsSign).trim(),
              trimmedLine.substring(indexOfEqualsSign + 1).trim()
            ];
            if (value === "") {
              currentSubSection = name;
            } else {
              if (currentSubSection && iniLine.trimStart() === iniLine) {
                currentSubSection = void 0;
              }
              map[currentSection] = map[currentSection] || {};
              const key = currentSubSection ? [currentSubSection, name].join(CONFIG_PREFIX_SEPARATOR) : name;
              map[currentSection][key] = value;
            }
          }
        }
      }
      return map;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/readFile.js
var filePromises, fileIntercept, readFile2;
var init_readFile = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/readFile.js"() {
    init_promises();
    filePromises = {};
    fileIntercept = {};
    readFile2 = (path, options) => {
      if (fileIntercept[path] !== void 0) {
        return fileIntercept[path];
      }
      if (!filePromises[path] || options?.ignoreCache) {
        filePromises[path] = readFile(path, "utf8");
      }
      return filePromises[path];
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/loadSharedConfigFiles.js
var swallowError, loadSharedConfigFiles;
var init_loadSharedConfigFiles = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/shared-ini-file-loader/loadSharedConfigFiles.js"() {
    init_node_path();
    init_getConfigData();
    init_getConfigFilepath();
    init_getCredentialsFilepath();
    init_getHomeDir();
    init_parseIni();
    init_readFile();
    swallowError = () => ({});
    loadSharedConfigFiles = async (init = {}) => {
      const { filepath = getCredentialsFilepath(), configFilepath = getConfigFilepath() } = init;
      const homeDir = getHomeDir();
      const relativeHomeDirPrefix = "~/";
      let resolvedFilepath = filepath;
      if (filepath.startsWith(relativeHomeDirPrefix)) {
        resolvedFilepath = join(homeDir, filepath.slice(2));
      }
      let resolvedConfigFilepath = configFilepath;
      if (configFilepath.startsWith(relativeHomeDirPrefix)) {
        resolvedConfigFilepath = join(homeDir, configFilepath.slice(2));
      }
      const parsedFiles = await Promise.all([
        readFile2(resolvedConfigFilepath, {
          ignoreCache: init.ignoreCache
        }).then(parseIni).then(getConfigData).catch(swallowError),
        readFile2(resolvedFilepath, {
          ignoreCache: init.ignoreCache
        }).then(parseIni).catch(swallowError)
      ]);
      return {
        configFile: parsedFiles[0],
        credentialsFile: parsedFiles[1]
      };
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/getSelectorName.js
function getSelectorName(functionString) {
  try {
    const constants = new Set(Array.from(functionString.match(/([A-Z_]){3,}/g) ?? []));
    constants.delete("CONFIG");
    constants.delete("CONFIG_PREFIX_SEPARATOR");
    constants.delete("ENV");
    return [...constants].join(", ");
  } catch (ignored) {
    return functionString;
  }
}
var init_getSelectorName = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/getSelectorName.js"() {
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/fromEnv.js
var fromEnv;
var init_fromEnv = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/fromEnv.js"() {
    init_CredentialsProviderError();
    init_getSelectorName();
    fromEnv = (envVarSelector, options) => async () => {
      try {
        const config = envVarSelector(process.env, options);
        if (config === void 0) {
          throw new Error();
        }
        return config;
      } catch (e) {
        throw new CredentialsProviderError(e.message || `Not found in ENV: ${getSelectorName(envVarSelector.toString())}`, { logger: options?.logger });
      }
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/fromSharedConfigFiles.js
var fromSharedConfigFiles;
var init_fromSharedConfigFiles = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/fromSharedConfigFiles.js"() {
    init_CredentialsProviderError();
    init_getProfileName();
    init_loadSharedConfigFiles();
    init_getSelectorName();
    fromSharedConfigFiles = (configSelector, { preferredFile = "config", ...init } = {}) => async () => {
      const profile = getProfileName(init);
      const { configFile, credentialsFile } = await loadSharedConfigFiles(init);
      const profileFromCredentials = credentialsFile[profile] || {};
      const profileFromConfig = configFile[profile] || {};
      const mergedProfile = preferredFile === "config" ? { ...profileFromCredentials, ...profileFromConfig } : { ...profileFromConfig, ...profileFromCredentials };
      try {
        const cfgFile = preferredFile === "config" ? configFile : credentialsFile;
        const configValue = configSelector(mergedProfile, cfgFile);
        if (configValue === void 0) {
          throw new Error();
        }
        return configValue;
      } catch (e) {
        throw new CredentialsProviderError(e.message || `Not found in config files w/ profile [${profile}]: ${getSelectorName(configSelector.toString())}`, { logger: init.logger });
      }
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/fromStatic.js
var isFunction, fromStatic;
var init_fromStatic = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/fromStatic.js"() {
    init_fromValue();
    isFunction = (func) => typeof func === "function";
    fromStatic = (defaultValue) => isFunction(defaultValue) ? async () => await defaultValue() : fromValue(defaultValue);
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/configLoader.js
var loadConfig;
var init_configLoader = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/node-config-provider/configLoader.js"() {
    init_chain();
    init_memoize();
    init_fromEnv();
    init_fromSharedConfigFiles();
    init_fromStatic();
    loadConfig = ({ environmentVariableSelector, configFileSelector, default: defaultValue }, configuration = {}) => {
      const { signingName, logger } = configuration;
      const envOptions = { signingName, logger };
      return memoize(chain(fromEnv(environmentVariableSelector, envOptions), fromSharedConfigFiles(configFileSelector, configuration), fromStatic(defaultValue)));
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/client/index.js
var init_client = __esm({
  "node_modules/@smithy/core/dist-es/submodules/client/index.js"() {
    init_transport();
  }
});

// node_modules/@smithy/core/dist-es/submodules/config/index.js
var init_config = __esm({
  "node_modules/@smithy/core/dist-es/submodules/config/index.js"() {
    init_CredentialsProviderError();
    init_booleanSelector();
    init_types();
    init_constants();
    init_configLoader();
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getEndpointUrlConfig.js
var ENV_ENDPOINT_URL, CONFIG_ENDPOINT_URL, getEndpointUrlConfig;
var init_getEndpointUrlConfig = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getEndpointUrlConfig.js"() {
    init_config();
    ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL";
    CONFIG_ENDPOINT_URL = "endpoint_url";
    getEndpointUrlConfig = (serviceId2) => ({
      environmentVariableSelector: (env) => {
        const serviceSuffixParts = serviceId2.split(" ").map((w) => w.toUpperCase());
        const serviceEndpointUrl = env[[ENV_ENDPOINT_URL, ...serviceSuffixParts].join("_")];
        if (serviceEndpointUrl) {
          return serviceEndpointUrl;
        }
        const endpointUrl = env[ENV_ENDPOINT_URL];
        if (endpointUrl) {
          return endpointUrl;
        }
        return void 0;
      },
      configFileSelector: (profile, config) => {
        if (profile.services) {
          const servicesSectionKey = ["services", profile.services].join(CONFIG_PREFIX_SEPARATOR);
          if (!config || !config[servicesSectionKey]) {
            throw new Error(`The services section "${profile.services}" specified in the profile is not present in the shared configuration file.`);
          }
          const servicesSection = config[servicesSectionKey];
          const servicePrefixParts = serviceId2.split(" ").map((w) => w.toLowerCase());
          const endpointUrl2 = servicesSection[[servicePrefixParts.join("_"), CONFIG_ENDPOINT_URL].join(CONFIG_PREFIX_SEPARATOR)];
          if (endpointUrl2) {
            return endpointUrl2;
          }
        }
        const endpointUrl = profile[CONFIG_ENDPOINT_URL];
        if (endpointUrl) {
          return endpointUrl;
        }
        return void 0;
      },
      default: void 0
    });
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getIgnoreConfiguredEndpointUrls.js
var ENV_IGNORE_CONFIGURED_ENDPOINT_URLS, CONFIG_IGNORE_CONFIGURED_ENDPOINT_URLS, ignoreConfiguredEndpointUrlsConfigSelectors;
var init_getIgnoreConfiguredEndpointUrls = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getIgnoreConfiguredEndpointUrls.js"() {
    init_config();
    ENV_IGNORE_CONFIGURED_ENDPOINT_URLS = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
    CONFIG_IGNORE_CONFIGURED_ENDPOINT_URLS = "ignore_configured_endpoint_urls";
    ignoreConfiguredEndpointUrlsConfigSelectors = {
      environmentVariableSelector: (env) => booleanSelector(env, ENV_IGNORE_CONFIGURED_ENDPOINT_URLS, SelectorType.ENV),
      configFileSelector: (profile) => booleanSelector(profile, CONFIG_IGNORE_CONFIGURED_ENDPOINT_URLS, SelectorType.CONFIG),
      default: false
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getEndpointFromConfig.js
var getEndpointFromConfig;
var init_getEndpointFromConfig = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getEndpointFromConfig.js"() {
    init_config();
    init_getEndpointUrlConfig();
    init_getIgnoreConfiguredEndpointUrls();
    getEndpointFromConfig = async (serviceId2) => {
      const ignore = await loadConfig(ignoreConfiguredEndpointUrlsConfigSelectors)();
      if (ignore) {
        return void 0;
      }
      return loadConfig(getEndpointUrlConfig(serviceId2 ?? ""))();
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/service-customizations/s3.js
var resolveParamsForS3, DOMAIN_PATTERN, IP_ADDRESS_PATTERN, DOTS_PATTERN, isDnsCompatibleBucketName, isArnBucketName;
var init_s3 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/service-customizations/s3.js"() {
    resolveParamsForS3 = async (endpointParams) => {
      const bucket = endpointParams?.Bucket || "";
      if (typeof endpointParams.Bucket === "string") {
        endpointParams.Bucket = bucket.replace(/#/g, encodeURIComponent("#")).replace(/\?/g, encodeURIComponent("?"));
      }
      if (isArnBucketName(bucket)) {
        if (endpointParams.ForcePathStyle === true) {
          throw new Error("Path-style addressing cannot be used with ARN buckets");
        }
      } else if (!isDnsCompatibleBucketName(bucket) || bucket.indexOf(".") !== -1 && !String(endpointParams.Endpoint).startsWith("http:") || bucket.toLowerCase() !== bucket || bucket.length < 3) {
        endpointParams.ForcePathStyle = true;
      }
      if (endpointParams.DisableMultiRegionAccessPoints) {
        endpointParams.disableMultiRegionAccessPoints = true;
        endpointParams.DisableMRAP = true;
      }
      return endpointParams;
    };
    DOMAIN_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
    IP_ADDRESS_PATTERN = /(\d+\.){3}\d+/;
    DOTS_PATTERN = /\.\./;
    isDnsCompatibleBucketName = (bucketName) => DOMAIN_PATTERN.test(bucketName) && !IP_ADDRESS_PATTERN.test(bucketName) && !DOTS_PATTERN.test(bucketName);
    isArnBucketName = (bucketName) => {
      const [arn, partition2, service, , , bucket] = bucketName.split(":");
      const isArn = arn === "arn" && bucketName.split(":").length >= 6;
      const isValidArn = Boolean(isArn && partition2 && service && bucket);
      if (isArn && !isValidArn) {
        throw new Error(`Invalid ARN: ${bucketName} was an invalid ARN.`);
      }
      return isValidArn;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/service-customizations/index.js
var init_service_customizations = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/service-customizations/index.js"() {
    init_s3();
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/createConfigValueProvider.js
var createConfigValueProvider;
var init_createConfigValueProvider = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/createConfigValueProvider.js"() {
    createConfigValueProvider = (configKey, canonicalEndpointParamKey, config, isClientContextParam = false) => {
      const configProvider = async () => {
        let configValue;
        if (isClientContextParam) {
          const clientContextParams = config.clientContextParams;
          const nestedValue = clientContextParams?.[configKey];
          configValue = nestedValue ?? config[configKey] ?? config[canonicalEndpointParamKey];
        } else {
          configValue = config[configKey] ?? config[canonicalEndpointParamKey];
        }
        if (typeof configValue === "function") {
          return configValue();
        }
        return configValue;
      };
      if (configKey === "credentialScope" || canonicalEndpointParamKey === "CredentialScope") {
        return async () => {
          const credentials = typeof config.credentials === "function" ? await config.credentials() : config.credentials;
          const configValue = credentials?.credentialScope ?? credentials?.CredentialScope;
          return configValue;
        };
      }
      if (configKey === "accountId" || canonicalEndpointParamKey === "AccountId") {
        return async () => {
          const credentials = typeof config.credentials === "function" ? await config.credentials() : config.credentials;
          const configValue = credentials?.accountId ?? credentials?.AccountId;
          return configValue;
        };
      }
      if (configKey === "endpoint" || canonicalEndpointParamKey === "endpoint") {
        return async () => {
          if (config.isCustomEndpoint === false) {
            return void 0;
          }
          const endpoint = await configProvider();
          if (endpoint && typeof endpoint === "object") {
            if ("url" in endpoint) {
              return endpoint.url.href;
            }
            if ("hostname" in endpoint) {
              const { protocol, hostname, port, path } = endpoint;
              return `${protocol}//${hostname}${port ? ":" + port : ""}${path}`;
            }
          }
          return endpoint;
        };
      }
      return configProvider;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/toEndpointV1.js
var init_toEndpointV12 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/toEndpointV1.js"() {
    init_transport();
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getEndpointFromInstructions.js
function bindGetEndpointFromInstructions(getEndpointFromConfig2) {
  return async (commandInput, instructionsSupplier, clientConfig, context) => {
    if (!clientConfig.isCustomEndpoint && !clientConfig.ignoreConfiguredEndpointUrls) {
      let endpointFromConfig;
      if (clientConfig.serviceConfiguredEndpoint) {
        endpointFromConfig = await clientConfig.serviceConfiguredEndpoint();
      } else {
        endpointFromConfig = await getEndpointFromConfig2(clientConfig.serviceId);
      }
      if (endpointFromConfig) {
        clientConfig.endpoint = () => Promise.resolve(toEndpointV1(endpointFromConfig));
        clientConfig.isCustomEndpoint = true;
        context?.logger?.debug?.(`@smithy/core/endpoints - resolved endpoint from config: ${endpointFromConfig}`);
      }
    }
    const endpointParams = await resolveParams(commandInput, instructionsSupplier, clientConfig);
    if (typeof clientConfig.endpointProvider !== "function") {
      throw new Error("config.endpointProvider is not set.");
    }
    const endpoint = clientConfig.endpointProvider(endpointParams, context);
    if (clientConfig.isCustomEndpoint && clientConfig.endpoint) {
      const customEndpoint = await clientConfig.endpoint();
      if (customEndpoint?.headers) {
        endpoint.headers ??= {};
        for (const [name, value] of Object.entries(customEndpoint.headers)) {
          endpoint.headers[name] = Array.isArray(value) ? value : [value];
        }
      }
    }
    return endpoint;
  };
}
var resolveParams;
var init_getEndpointFromInstructions = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/adaptors/getEndpointFromInstructions.js"() {
    init_service_customizations();
    init_createConfigValueProvider();
    init_toEndpointV12();
    resolveParams = async (commandInput, instructionsSupplier, clientConfig) => {
      const endpointParams = {};
      const instructions = instructionsSupplier?.getEndpointParameterInstructions?.() || {};
      for (const [name, instruction] of Object.entries(instructions)) {
        switch (instruction.type) {
          case "staticContextParams":
            endpointParams[name] = instruction.value;
            break;
          case "contextParams":
            endpointParams[name] = commandInput[instruction.name];
            break;
          case "clientContextParams":
          case "builtInParams":
            endpointParams[name] = await createConfigValueProvider(instruction.name, name, clientConfig, instruction.type !== "builtInParams")();
            break;
          case "operationContextParams":
            endpointParams[name] = instruction.get(commandInput);
            break;
          default:
            throw new Error("Unrecognized endpoint parameter instruction: " + JSON.stringify(instruction));
        }
      }
      if (Object.keys(instructions).length === 0) {
        Object.assign(endpointParams, clientConfig);
      }
      if (String(clientConfig.serviceId).toLowerCase() === "s3") {
        await resolveParamsForS3(endpointParams);
      }
      return endpointParams;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/endpointMiddleware.js
function setFeature(context, feature, value) {
  if (!context.__smithy_context) {
    context.__smithy_context = { features: {} };
  } else if (!context.__smithy_context.features) {
    context.__smithy_context.features = {};
  }
  context.__smithy_context.features[feature] = value;
}
function bindEndpointMiddleware(getEndpointFromConfig2) {
  const getEndpointFromInstructions2 = bindGetEndpointFromInstructions(getEndpointFromConfig2);
  return ({ config, instructions }) => {
    return (next, context) => async (args) => {
      if (config.isCustomEndpoint) {
        setFeature(context, "ENDPOINT_OVERRIDE", "N");
      }
      const endpoint = await getEndpointFromInstructions2(args.input, {
        getEndpointParameterInstructions() {
          return instructions;
        }
      }, { ...config }, context);
      context.endpointV2 = endpoint;
      context.authSchemes = endpoint.properties?.authSchemes;
      const authScheme = context.authSchemes?.[0];
      if (authScheme) {
        context["signing_region"] = authScheme.signingRegion;
        context["signing_service"] = authScheme.signingName;
        const smithyContext = getSmithyContext(context);
        const httpAuthOption = smithyContext?.selectedHttpAuthScheme?.httpAuthOption;
        if (httpAuthOption) {
          httpAuthOption.signingProperties = Object.assign(httpAuthOption.signingProperties || {}, {
            signing_region: authScheme.signingRegion,
            signingRegion: authScheme.signingRegion,
            signing_service: authScheme.signingName,
            signingName: authScheme.signingName,
            signingRegionSet: authScheme.signingRegionSet
          }, authScheme.properties);
        }
      }
      return next({
        ...args
      });
    };
  };
}
var init_endpointMiddleware = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/endpointMiddleware.js"() {
    init_transport();
    init_getEndpointFromInstructions();
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/getEndpointPlugin.js
function bindGetEndpointPlugin(getEndpointFromConfig2) {
  const endpointMiddleware2 = bindEndpointMiddleware(getEndpointFromConfig2);
  return (config, instructions) => ({
    applyToStack: (clientStack) => {
      clientStack.addRelativeTo(endpointMiddleware2({
        config,
        instructions
      }), endpointMiddlewareOptions);
    }
  });
}
var serializerMiddlewareOption, endpointMiddlewareOptions;
var init_getEndpointPlugin = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/getEndpointPlugin.js"() {
    init_endpointMiddleware();
    serializerMiddlewareOption = {
      name: "serializerMiddleware",
      step: "serialize",
      tags: ["SERIALIZER"],
      override: true
    };
    endpointMiddlewareOptions = {
      step: "serialize",
      tags: ["ENDPOINT_PARAMETERS", "ENDPOINT_V2", "ENDPOINT"],
      name: "endpointV2Middleware",
      override: true,
      relation: "before",
      toMiddleware: serializerMiddlewareOption.name
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/resolveEndpointConfig.js
function bindResolveEndpointConfig(getEndpointFromConfig2) {
  return (input2) => {
    const tls = input2.tls ?? true;
    const { endpoint, useDualstackEndpoint, useFipsEndpoint } = input2;
    const customEndpointProvider = endpoint != null ? async () => toEndpointV1(await normalizeProvider(endpoint)()) : void 0;
    const isCustomEndpoint = !!endpoint;
    const resolvedConfig = Object.assign(input2, {
      endpoint: customEndpointProvider,
      tls,
      isCustomEndpoint,
      useDualstackEndpoint: normalizeProvider(useDualstackEndpoint ?? false),
      useFipsEndpoint: normalizeProvider(useFipsEndpoint ?? false),
      ignoreConfiguredEndpointUrls: !!input2.ignoreConfiguredEndpointUrls
    });
    let configuredEndpointPromise = void 0;
    resolvedConfig.serviceConfiguredEndpoint = async () => {
      if (input2.serviceId && !configuredEndpointPromise) {
        configuredEndpointPromise = getEndpointFromConfig2(input2.serviceId);
      }
      return configuredEndpointPromise;
    };
    return resolvedConfig;
  };
}
var init_resolveEndpointConfig = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/resolveEndpointConfig.js"() {
    init_transport();
    init_toEndpointV12();
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/util-endpoints/utils/customEndpointFunctions.js
var customEndpointFunctions;
var init_customEndpointFunctions = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/util-endpoints/utils/customEndpointFunctions.js"() {
    customEndpointFunctions = {};
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/util-endpoints/lib/isIpAddress.js
var IP_V4_REGEX, isIpAddress;
var init_isIpAddress = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/util-endpoints/lib/isIpAddress.js"() {
    IP_V4_REGEX = new RegExp(`^(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)){3}$`);
    isIpAddress = (value) => IP_V4_REGEX.test(value) || value.startsWith("[") && value.endsWith("]");
  }
});

// node_modules/@smithy/core/dist-es/submodules/endpoints/index.js
var getEndpointFromInstructions, resolveEndpointConfig, endpointMiddleware, getEndpointPlugin;
var init_endpoints = __esm({
  "node_modules/@smithy/core/dist-es/submodules/endpoints/index.js"() {
    init_getEndpointFromConfig();
    init_getEndpointFromInstructions();
    init_endpointMiddleware();
    init_getEndpointPlugin();
    init_resolveEndpointConfig();
    init_isIpAddress();
    init_transport();
    init_customEndpointFunctions();
    getEndpointFromInstructions = bindGetEndpointFromInstructions(getEndpointFromConfig);
    resolveEndpointConfig = bindResolveEndpointConfig(getEndpointFromConfig);
    endpointMiddleware = bindEndpointMiddleware(getEndpointFromConfig);
    getEndpointPlugin = bindGetEndpointPlugin(getEndpointFromConfig);
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/writeKey.js
function writeKey(obj) {
  Object.defineProperty(obj, "__proto__", { value: void 0, writable: true, enumerable: true, configurable: true });
}
var init_writeKey = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/writeKey.js"() {
  }
});

// builtin:node:module
var require_node_module = __commonJS({
  "builtin:node:module"(exports, module) {
    module.exports = __require("node:module");
  }
});

// builtin-esm:node:module
var m6, createRequire;
var init_node_module = __esm({
  "builtin-esm:node:module"() {
    m6 = require_node_module();
    createRequire = /* @__PURE__ */ (() => m6.createRequire)();
  }
});

// builtin:node:net
var require_node_net = __commonJS({
  "builtin:node:net"(exports, module) {
    module.exports = __require("node:net");
  }
});

// builtin-esm:node:net
var m7, BlockList, connect, isIP, isIPv6, Socket;
var init_node_net = __esm({
  "builtin-esm:node:net"() {
    m7 = require_node_net();
    BlockList = /* @__PURE__ */ (() => m7.BlockList)();
    connect = /* @__PURE__ */ (() => m7.connect)();
    isIP = /* @__PURE__ */ (() => m7.isIP)();
    isIPv6 = /* @__PURE__ */ (() => m7.isIPv6)();
    Socket = /* @__PURE__ */ (() => m7.Socket)();
  }
});

// builtin:node:http
var require_node_http = __commonJS({
  "builtin:node:http"(exports, module) {
    module.exports = __require("node:http");
  }
});

// builtin-esm:node:http
var m8, Agent;
var init_node_http = __esm({
  "builtin-esm:node:http"() {
    m8 = require_node_http();
    Agent = /* @__PURE__ */ (() => m8.Agent)();
  }
});

// builtin:node:https
var require_node_https = __commonJS({
  "builtin:node:https"(exports, module) {
    module.exports = __require("node:https");
  }
});

// builtin-esm:node:https
var m9, Agent2;
var init_node_https = __esm({
  "builtin-esm:node:https"() {
    m9 = require_node_https();
    Agent2 = /* @__PURE__ */ (() => m9.Agent)();
  }
});

// node_modules/agent-base/dist/helpers.js
var init_helpers = __esm({
  "node_modules/agent-base/dist/helpers.js"() {
    init_node_http();
    init_node_https();
  }
});

// node_modules/agent-base/dist/index.js
var INTERNAL, Agent3;
var init_dist = __esm({
  "node_modules/agent-base/dist/index.js"() {
    init_node_net();
    init_node_http();
    init_node_https();
    init_helpers();
    INTERNAL = /* @__PURE__ */ Symbol("AgentBaseInternalState");
    Agent3 = class extends Agent {
      constructor(opts) {
        super(opts);
        this[INTERNAL] = {};
      }
      /**
       * Determine whether this is an `http` or `https` request.
       */
      isSecureEndpoint(options) {
        if (options) {
          if (typeof options.secureEndpoint === "boolean") {
            return options.secureEndpoint;
          }
          if (typeof options.protocol === "string") {
            return options.protocol === "https:";
          }
        }
        const { stack } = new Error();
        if (typeof stack !== "string")
          return false;
        return stack.split("\n").some((l) => l.indexOf("(https.js:") !== -1 || l.indexOf("node:https:") !== -1);
      }
      // In order to support async signatures in `connect()` and Node's native
      // connection pooling in `http.Agent`, the array of sockets for each origin
      // has to be updated synchronously. This is so the length of the array is
      // accurate when `addRequest()` is next called. We achieve this by creating a
      // fake socket and adding it to `sockets[origin]` and incrementing
      // `totalSocketCount`.
      incrementSockets(name) {
        if (this.maxSockets === Infinity && this.maxTotalSockets === Infinity) {
          return null;
        }
        if (!this.sockets[name]) {
          this.sockets[name] = [];
        }
        const fakeSocket = new Socket({ writable: false });
        this.sockets[name].push(fakeSocket);
        this.totalSocketCount++;
        return fakeSocket;
      }
      decrementSockets(name, socket) {
        if (!this.sockets[name] || socket === null) {
          return;
        }
        const sockets = this.sockets[name];
        const index = sockets.indexOf(socket);
        if (index !== -1) {
          sockets.splice(index, 1);
          this.totalSocketCount--;
          if (sockets.length === 0) {
            delete this.sockets[name];
          }
        }
      }
      // In order to properly update the socket pool, we need to call `getName()` on
      // the core `https.Agent` if it is a secureEndpoint.
      getName(options) {
        const secureEndpoint = this.isSecureEndpoint(options);
        if (secureEndpoint) {
          return Agent2.prototype.getName.call(this, options);
        }
        return super.getName(options);
      }
      createSocket(req, options, cb) {
        const connectOpts = {
          ...options,
          secureEndpoint: this.isSecureEndpoint(options)
        };
        const name = this.getName(connectOpts);
        const fakeSocket = this.incrementSockets(name);
        Promise.resolve().then(() => this.connect(req, connectOpts)).then((socket) => {
          this.decrementSockets(name, fakeSocket);
          if (typeof socket.addRequest === "function") {
            try {
              return socket.addRequest(req, connectOpts);
            } catch (err) {
              return cb(err);
            }
          }
          this[INTERNAL].currentSocket = socket;
          super.createSocket(req, options, cb);
        }, (err) => {
          this.decrementSockets(name, fakeSocket);
          cb(err);
        });
      }
      createConnection() {
        const socket = this[INTERNAL].currentSocket;
        this[INTERNAL].currentSocket = void 0;
        if (!socket) {
          throw new Error("No socket was returned in the `connect()` function");
        }
        return socket;
      }
      get defaultPort() {
        return this[INTERNAL].defaultPort ?? (this.protocol === "https:" ? 443 : 80);
      }
      set defaultPort(v) {
        if (this[INTERNAL]) {
          this[INTERNAL].defaultPort = v;
        }
      }
      get protocol() {
        return this[INTERNAL].protocol ?? (this.isSecureEndpoint() ? "https:" : "http:");
      }
      set protocol(v) {
        if (this[INTERNAL]) {
          this[INTERNAL].protocol = v;
        }
      }
    };
  }
});

// builtin:node:tls
var require_node_tls = __commonJS({
  "builtin:node:tls"(exports, module) {
    module.exports = __require("node:tls");
  }
});

// builtin-esm:node:tls
var m10, checkServerIdentity, connect2;
var init_node_tls = __esm({
  "builtin-esm:node:tls"() {
    m10 = require_node_tls();
    checkServerIdentity = /* @__PURE__ */ (() => m10.checkServerIdentity)();
    connect2 = /* @__PURE__ */ (() => m10.connect)();
  }
});

// src/bundle-stand-ins/debug.ts
function createDebug(_namespace) {
  return off;
}
var off, debug_default;
var init_debug = __esm({
  "src/bundle-stand-ins/debug.ts"() {
    off = Object.assign(() => {
    }, { enabled: false, namespace: "", extend: () => off, destroy: () => true, log: () => {
    } });
    debug_default = Object.assign(createDebug, { enable: () => {
    }, disable: () => "", enabled: () => false, coerce: (value) => value, formatters: {}, names: [], skips: [] });
  }
});

// builtin:node:events
var require_node_events = __commonJS({
  "builtin:node:events"(exports, module) {
    module.exports = __require("node:events");
  }
});

// builtin-esm:node:events
var m11, once;
var init_node_events = __esm({
  "builtin-esm:node:events"() {
    m11 = require_node_events();
    once = /* @__PURE__ */ (() => m11.once)();
  }
});

// builtin:node:url
var require_node_url = __commonJS({
  "builtin:node:url"(exports, module) {
    module.exports = __require("node:url");
  }
});

// builtin-esm:node:url
var m12, URL2;
var init_node_url = __esm({
  "builtin-esm:node:url"() {
    m12 = require_node_url();
    URL2 = /* @__PURE__ */ (() => m12.URL)();
  }
});

// node_modules/proxy-agent-negotiate/dist/index.js
function createNegotiateAuth() {
  return async ({ response, scheme }) => {
    if (scheme.toLowerCase() !== "negotiate") {
      throw new Error(`Expected Negotiate scheme but got "${scheme}"`);
    }
    let kerberos;
    try {
      kerberos = await import("kerberos");
    } catch {
      throw new Error('The "kerberos" package is required for Negotiate proxy authentication. Install it with: npm install kerberos');
    }
    const proxyAuthenticate = response.headers["proxy-authenticate"] || "";
    const challengeHeader = Array.isArray(proxyAuthenticate) ? proxyAuthenticate[0] : proxyAuthenticate;
    const serverToken = typeof challengeHeader === "string" && challengeHeader.includes(" ") ? challengeHeader.split(" ").slice(1).join(" ") : void 0;
    const client = await kerberos.initializeClient("HTTP@proxy", {
      mechOID: kerberos.GSS_MECH_OID_SPNEGO
    });
    const token = await client.step(serverToken || "");
    if (!token) {
      throw new Error("Kerberos client.step() returned no token");
    }
    return {
      headers: {
        "Proxy-Authorization": `Negotiate ${token}`
      }
    };
  };
}
var init_dist2 = __esm({
  "node_modules/proxy-agent-negotiate/dist/index.js"() {
  }
});

// node_modules/http-proxy-agent/dist/index.js
function omit(obj, ...keys) {
  const ret = {};
  let key;
  for (key in obj) {
    if (!keys.includes(key)) {
      ret[key] = obj[key];
    }
  }
  return ret;
}
var debug, HttpProxyAgent;
var init_dist3 = __esm({
  "node_modules/http-proxy-agent/dist/index.js"() {
    init_node_net();
    init_node_tls();
    init_debug();
    init_node_events();
    init_dist();
    init_node_url();
    init_dist2();
    debug = debug_default("http-proxy-agent");
    HttpProxyAgent = class extends Agent3 {
      constructor(proxy, opts) {
        super(opts);
        this.proxy = typeof proxy === "string" ? new URL2(proxy) : proxy;
        this.proxyHeaders = opts?.headers ?? {};
        debug("Creating new HttpProxyAgent instance: %o", this.proxy.href);
        if (opts?.negotiate) {
          this.onProxyAuth = createNegotiateAuth();
        } else if (opts?.onProxyAuth) {
          this.onProxyAuth = opts.onProxyAuth;
        }
        const host = (this.proxy.hostname || this.proxy.host).replace(/^\[|\]$/g, "");
        const port = this.proxy.port ? parseInt(this.proxy.port, 10) : this.proxy.protocol === "https:" ? 443 : 80;
        this.connectOpts = {
          ...opts ? omit(opts, "headers", "onProxyAuth", "negotiate") : null,
          host,
          port
        };
      }
      addRequest(req, opts) {
        req._header = null;
        this.setRequestProps(req, opts);
        super.addRequest(req, opts);
      }
      setRequestProps(req, opts) {
        const { proxy } = this;
        const protocol = opts.secureEndpoint ? "https:" : "http:";
        const hostname = req.getHeader("host") || "localhost";
        const base = `${protocol}//${hostname}`;
        const url = new URL2(req.path, base);
        if (opts.port !== 80) {
          url.port = String(opts.port);
        }
        req.path = String(url);
        const headers = typeof this.proxyHeaders === "function" ? this.proxyHeaders() : { ...this.proxyHeaders };
        if (proxy.username || proxy.password) {
          const auth = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
          headers["Proxy-Authorization"] = `Basic ${Buffer.from(auth).toString("base64")}`;
        }
        if (!headers["Proxy-Connection"]) {
          headers["Proxy-Connection"] = this.keepAlive ? "Keep-Alive" : "close";
        }
        for (const name of Object.keys(headers)) {
          const value = headers[name];
          if (value) {
            req.setHeader(name, value);
          }
        }
      }
      async connect(req, opts) {
        req._header = null;
        if (!req.path.includes("://")) {
          this.setRequestProps(req, opts);
        }
        let first;
        let endOfHeaders;
        debug("Regenerating stored HTTP header string for request");
        req._implicitHeader();
        if (req.outputData && req.outputData.length > 0) {
          debug("Patching connection write() output buffer with updated header");
          first = req.outputData[0].data;
          endOfHeaders = first.indexOf("\r\n\r\n") + 4;
          req.outputData[0].data = req._header + first.substring(endOfHeaders);
          debug("Output buffer: %o", req.outputData[0].data);
        }
        let socket;
        if (this.proxy.protocol === "https:") {
          debug("Creating `tls.Socket`: %o", this.connectOpts);
          socket = connect2(this.connectOpts);
        } else {
          debug("Creating `net.Socket`: %o", this.connectOpts);
          socket = connect(this.connectOpts);
        }
        await once(socket, "connect");
        const connect3 = { socket };
        req.emit("proxyConnect", connect3);
        this.emit("proxyConnect", connect3, req);
        req.emit("proxy", { proxy: this.proxy.href, socket });
        return socket;
      }
    };
    HttpProxyAgent.protocols = ["http", "https"];
  }
});

// builtin:node:assert
var require_node_assert = __commonJS({
  "builtin:node:assert"(exports, module) {
    module.exports = __require("node:assert");
  }
});

// builtin-esm:node:assert
var m13, node_assert_default;
var init_node_assert = __esm({
  "builtin-esm:node:assert"() {
    m13 = require_node_assert();
    node_assert_default = m13;
  }
});

// node_modules/https-proxy-agent/dist/parse-proxy-response.js
function parseProxyResponse(socket) {
  return new Promise((resolve, reject) => {
    let buffersLength = 0;
    const buffers = [];
    function read() {
      const b = socket.read();
      if (b)
        ondata(b);
      else
        socket.once("readable", read);
    }
    function cleanup() {
      socket.removeListener("end", onend);
      socket.removeListener("error", onerror);
      socket.removeListener("readable", read);
    }
    function onend() {
      cleanup();
      debug2("onend");
      reject(new Error("Proxy connection ended before receiving CONNECT response"));
    }
    function onerror(err) {
      cleanup();
      debug2("onerror %o", err);
      reject(err);
    }
    function ondata(b) {
      buffers.push(b);
      buffersLength += b.length;
      const buffered = Buffer.concat(buffers, buffersLength);
      const endOfHeaders = buffered.indexOf("\r\n\r\n");
      if (endOfHeaders === -1) {
        debug2("have not received end of HTTP headers yet...");
        read();
        return;
      }
      const headerParts = buffered.slice(0, endOfHeaders).toString("ascii").split("\r\n");
      const firstLine = headerParts.shift();
      if (!firstLine) {
        socket.destroy();
        return reject(new Error("No header received from proxy CONNECT response"));
      }
      const firstLineParts = firstLine.split(" ");
      const statusCode = +firstLineParts[1];
      const statusText = firstLineParts.slice(2).join(" ");
      const headers = {};
      for (const header of headerParts) {
        if (!header)
          continue;
        const firstColon = header.indexOf(":");
        if (firstColon === -1) {
          socket.destroy();
          return reject(new Error(`Invalid header from proxy CONNECT response: "${header}"`));
        }
        const key = header.slice(0, firstColon).toLowerCase();
        const value = header.slice(firstColon + 1).trimStart();
        const current = headers[key];
        if (typeof current === "string") {
          headers[key] = [current, value];
        } else if (Array.isArray(current)) {
          current.push(value);
        } else {
          headers[key] = value;
        }
      }
      debug2("got proxy server response: %o %o", firstLine, headers);
      cleanup();
      resolve({
        connect: {
          statusCode,
          statusText,
          headers
        },
        buffered
      });
    }
    socket.on("error", onerror);
    socket.on("end", onend);
    read();
  });
}
var debug2;
var init_parse_proxy_response = __esm({
  "node_modules/https-proxy-agent/dist/parse-proxy-response.js"() {
    init_debug();
    debug2 = debug_default("https-proxy-agent:parse-proxy-response");
  }
});

// node_modules/https-proxy-agent/dist/index.js
function resume(socket) {
  setImmediate(() => {
    socket.resume();
  });
}
function omit2(obj, ...keys) {
  const ret = {};
  let key;
  for (key in obj) {
    if (!keys.includes(key)) {
      ret[key] = obj[key];
    }
  }
  return ret;
}
var debug3, setServernameFromNonIpHost, HttpsProxyAgent;
var init_dist4 = __esm({
  "node_modules/https-proxy-agent/dist/index.js"() {
    init_node_net();
    init_node_tls();
    init_node_assert();
    init_debug();
    init_dist();
    init_node_url();
    init_parse_proxy_response();
    init_dist2();
    debug3 = debug_default("https-proxy-agent");
    setServernameFromNonIpHost = (options) => {
      if (options.servername === void 0 && options.host && !isIP(options.host)) {
        return {
          ...options,
          servername: options.host
        };
      }
      return options;
    };
    HttpsProxyAgent = class extends Agent3 {
      constructor(proxy, opts) {
        super(opts);
        this.options = { path: void 0 };
        this.proxy = typeof proxy === "string" ? new URL2(proxy) : proxy;
        this.proxyHeaders = opts?.headers ?? {};
        debug3("Creating new HttpsProxyAgent instance: %o", this.proxy.href);
        if (opts?.negotiate) {
          this.onProxyAuth = createNegotiateAuth();
        } else if (opts?.onProxyAuth) {
          this.onProxyAuth = opts.onProxyAuth;
        }
        const host = (this.proxy.hostname || this.proxy.host).replace(/^\[|\]$/g, "");
        const port = this.proxy.port ? parseInt(this.proxy.port, 10) : this.proxy.protocol === "https:" ? 443 : 80;
        this.connectOpts = {
          // Attempt to negotiate http/1.1 for proxy servers that support http/2
          ALPNProtocols: ["http/1.1"],
          ...opts ? omit2(opts, "headers", "onProxyAuth", "negotiate") : null,
          host,
          port
        };
      }
      /**
       * Called when the node-core HTTP client library is creating a
       * new HTTP request.
       */
      async connect(req, opts) {
        const { proxy } = this;
        if (!opts.host) {
          throw new TypeError('No "host" provided');
        }
        let socket;
        if (proxy.protocol === "https:") {
          debug3("Creating `tls.Socket`: %o", this.connectOpts);
          socket = connect2(setServernameFromNonIpHost(this.connectOpts));
        } else {
          debug3("Creating `net.Socket`: %o", this.connectOpts);
          socket = connect(this.connectOpts);
        }
        const headers = typeof this.proxyHeaders === "function" ? this.proxyHeaders() : { ...this.proxyHeaders };
        const host = isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
        let payload = `CONNECT ${host}:${opts.port} HTTP/1.1\r
`;
        if (proxy.username || proxy.password) {
          const auth = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
          headers["Proxy-Authorization"] = `Basic ${Buffer.from(auth).toString("base64")}`;
        }
        headers.Host = `${host}:${opts.port}`;
        if (!headers["Proxy-Connection"]) {
          headers["Proxy-Connection"] = this.keepAlive ? "Keep-Alive" : "close";
        }
        for (const name of Object.keys(headers)) {
          payload += `${name}: ${headers[name]}\r
`;
        }
        const proxyResponsePromise = parseProxyResponse(socket);
        socket.write(`${payload}\r
`);
        const { connect: connect3, buffered } = await proxyResponsePromise;
        req.emit("proxyConnect", connect3);
        this.emit("proxyConnect", connect3, req);
        req.emit("proxy", { proxy: this.proxy.href, socket });
        if (connect3.statusCode === 200) {
          req.once("socket", resume);
          if (opts.secureEndpoint) {
            debug3("Upgrading socket connection to TLS");
            return connect2({
              ...omit2(setServernameFromNonIpHost(opts), "host", "path", "port"),
              socket
            });
          }
          return socket;
        }
        if (connect3.statusCode === 407 && this.onProxyAuth) {
          debug3("Got 407 response, invoking onProxyAuth callback");
          socket.destroy();
          const proxyAuthenticate = connect3.headers["proxy-authenticate"] || "";
          const scheme = Array.isArray(proxyAuthenticate) ? proxyAuthenticate[0].split(/\s/)[0] : proxyAuthenticate.split(/\s/)[0];
          const authResponse = await this.onProxyAuth({
            response: connect3,
            scheme
          });
          return this._connectWithAuth(req, opts, authResponse.headers);
        }
        socket.destroy();
        const fakeSocket = new Socket({ writable: false });
        fakeSocket.readable = true;
        req.once("socket", (s) => {
          debug3("Replaying proxy buffer for failed request");
          node_assert_default(s.listenerCount("data") > 0);
          s.push(buffered);
          s.push(null);
        });
        return fakeSocket;
      }
      /**
       * Retry a CONNECT request with additional auth headers.
       */
      async _connectWithAuth(req, opts, authHeaders) {
        const { proxy } = this;
        let socket;
        if (proxy.protocol === "https:") {
          socket = connect2(setServernameFromNonIpHost(this.connectOpts));
        } else {
          socket = connect(this.connectOpts);
        }
        const headers = typeof this.proxyHeaders === "function" ? this.proxyHeaders() : { ...this.proxyHeaders };
        const host = isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
        let payload = `CONNECT ${host}:${opts.port} HTTP/1.1\r
`;
        if (proxy.username || proxy.password) {
          const auth = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
          headers["Proxy-Authorization"] = `Basic ${Buffer.from(auth).toString("base64")}`;
        }
        Object.assign(headers, authHeaders);
        headers.Host = `${host}:${opts.port}`;
        if (!headers["Proxy-Connection"]) {
          headers["Proxy-Connection"] = this.keepAlive ? "Keep-Alive" : "close";
        }
        for (const name of Object.keys(headers)) {
          payload += `${name}: ${headers[name]}\r
`;
        }
        const proxyResponsePromise = parseProxyResponse(socket);
        socket.write(`${payload}\r
`);
        const { connect: connect3 } = await proxyResponsePromise;
        req.emit("proxyConnect", connect3);
        this.emit("proxyConnect", connect3, req);
        if (connect3.statusCode === 200) {
          req.once("socket", resume);
          if (opts.secureEndpoint) {
            debug3("Upgrading socket connection to TLS");
            return connect2({
              ...omit2(setServernameFromNonIpHost(opts), "host", "path", "port"),
              socket
            });
          }
          return socket;
        }
        socket.destroy();
        throw new Error(`Proxy authentication failed with status ${connect3.statusCode} after retry`);
      }
    };
    HttpsProxyAgent.protocols = ["http", "https"];
  }
});

// src/net/tunnel.ts
var ProxyTunnelError, TunnelAgent;
var init_tunnel = __esm({
  "src/net/tunnel.ts"() {
    "use strict";
    init_dist4();
    init_node_tls();
    ProxyTunnelError = class extends Error {
      name = "ProxyTunnelError";
      code = "proxy_refused";
      /** What the proxy answered, for a message that shows only the code: `the proxy answered HTTP 407`. */
      detail;
      constructor(proxy, target, status) {
        const answered = status === void 0 || !Number.isInteger(status) ? void 0 : `HTTP ${status}`;
        super(answered === void 0 ? `the proxy ${proxy} gave no HTTP answer to CONNECT ${target}` : `the proxy ${proxy} answered CONNECT ${target} with ${answered}, not 200: no tunnel`);
        this.detail = answered === void 0 ? "the proxy gave no HTTP answer" : `the proxy answered ${answered}`;
      }
    };
    TunnelAgent = class extends HttpsProxyAgent {
      async connect(req, opts) {
        const target = `${opts.host}:${opts.port}`;
        let status;
        const answered = (answer) => status = answer.statusCode;
        req.once("proxyConnect", answered);
        const own = opts.checkServerIdentity ?? checkServerIdentity;
        const identity = opts.secureEndpoint ? { checkServerIdentity: (_name, cert) => own(opts.host, cert) } : {};
        let socket;
        try {
          socket = await super.connect(req, { ...opts, ...identity });
        } catch (error) {
          if (typeof error?.code === "string") throw error;
          throw new ProxyTunnelError(this.proxy.host, target, void 0);
        } finally {
          req.off("proxyConnect", answered);
        }
        if (status !== 200) {
          socket.destroy();
          throw new ProxyTunnelError(this.proxy.host, target, status);
        }
        return socket;
      }
    };
  }
});

// src/net/proxy.ts
var proxy_exports = {};
__export(proxy_exports, {
  ProxySettingError: () => ProxySettingError,
  agentFor: () => agentFor,
  isThisMachine: () => isThisMachine,
  noProxyMatches: () => noProxyMatches,
  parseProxy: () => parseProxy,
  proxyVariable: () => proxyVariable,
  sdkAgents: () => sdkAgents
});
function proxyVariable(protocol, env) {
  const names = protocol === "https:" ? ["https_proxy", "HTTPS_PROXY"] : protocol === "http:" ? ["http_proxy"] : [];
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return void 0;
}
function parseProxy(name, value) {
  const bad = (why) => new ProxySettingError(`${name} is not a proxy this client can use: ${why}`);
  let url;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw bad("it is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(`${url.protocol.slice(0, 20)} proxies are not supported (http: and https: are)`);
  if (url.hostname === "") throw bad("it names no host");
  if (url.port === "" && url.protocol === "http:") url.port = "1080";
  url.pathname = "/";
  url.search = "";
  url.hash = "";
  return url;
}
function portOf(url) {
  return url.port === "" ? url.protocol === "https:" ? 443 : 80 : Number(url.port);
}
function noProxyMatches(list, hostname, port) {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  const family = isIP(host);
  for (const raw of list.toLowerCase().split(/[\s,]+/)) {
    if (raw === "") continue;
    if (raw === "*") return true;
    const entry = splitPort(raw);
    if (entry === void 0 || entry.port !== void 0 && entry.port !== port) continue;
    const [address, bits, extra] = entry.host.split("/");
    const entryFamily = isIP(address);
    if (entryFamily !== 0 || bits !== void 0) {
      if (family === 0 || entryFamily !== family || extra !== void 0) continue;
      const block = new BlockList();
      const type = family === 4 ? "ipv4" : "ipv6";
      if (bits === void 0) block.addAddress(address, type);
      else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)) block.addSubnet(address, Number(bits), type);
      else continue;
      if (block.check(host, type)) return true;
      continue;
    }
    if (family !== 0) continue;
    const name = entry.host.replace(/^\*?\./, "").replace(/\.$/, "");
    if (name !== "" && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}
function splitPort(entry) {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const match = bracketed ?? (entry.split(":").length === 2 ? /^([^:]+):(\d+)$/.exec(entry) : null);
  if (match === null) return entry.startsWith("[") || entry.split(":").length === 2 ? void 0 : { host: entry };
  const port = match[2] === void 0 ? void 0 : Number(match[2]);
  if (port !== void 0 && (port < 1 || port > 65535)) return void 0;
  return port === void 0 ? { host: match[1] } : { host: match[1], port };
}
function isThisMachine(hostname) {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1" || host === "::") return true;
  const family = isIP(host);
  if (family === 4) return /^(127|0+)\./.test(host);
  const mapped = family === 6 ? /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host) : null;
  return mapped !== null && [127, 0].includes(parseInt(mapped[1], 16) >> 8);
}
function agentFor(url, env) {
  if (isThisMachine(url.hostname)) return void 0;
  const variable = proxyVariable(url.protocol, env);
  if (variable === void 0) return void 0;
  const noProxy = env.no_proxy || env.NO_PROXY;
  if (noProxy && noProxyMatches(noProxy, url.hostname, portOf(url))) return void 0;
  const proxy = parseProxy(variable.name, variable.value);
  const key = `${url.protocol} ${proxy.href}`;
  let agent = agents.get(key);
  if (agent === void 0) {
    agent = url.protocol === "https:" ? new TunnelAgent(proxy.href) : new HttpProxyAgent(proxy);
    agents.set(key, agent);
  }
  return agent;
}
function sdkAgents(env) {
  return { httpAgent: new EnvProxyAgent(false, env), httpsAgent: new EnvProxyAgent(true, env) };
}
var ProxySettingError, agents, load, EnvProxyAgent;
var init_proxy = __esm({
  "src/net/proxy.ts"() {
    "use strict";
    init_dist();
    init_dist3();
    init_node_module();
    init_node_net();
    init_tunnel();
    ProxySettingError = class extends Error {
      name = "ProxySettingError";
      code = "invalid_proxy";
      hint = "Give the proxy as http://HOST:PORT or https://HOST:PORT (user:password@ before HOST if it asks for them), or unset the variable.";
    };
    agents = /* @__PURE__ */ new Map();
    load = createRequire(import.meta.url);
    EnvProxyAgent = class extends Agent3 {
      #secure;
      #env;
      #direct;
      constructor(secure, env) {
        super();
        this.#secure = secure;
        this.#env = env;
        const { Agent: Direct } = load(secure ? "node:https" : "node:http");
        this.#direct = new Direct({ keepAlive: true });
      }
      connect(_req, options) {
        const host = isIP(options.host ?? "") === 6 ? `[${options.host}]` : options.host;
        const url = new URL(`${this.#secure ? "https" : "http"}://${host}:${options.port}`);
        return agentFor(url, this.#env) ?? this.#direct;
      }
    };
  }
});

// src/action/main.ts
init_node_crypto();
init_node_fs();

// node_modules/@aws-sdk/core/dist-es/submodules/client/setCredentialFeature.js
function setCredentialFeature(credentials, feature, value) {
  if (!credentials.$source) {
    credentials.$source = {};
  }
  credentials.$source[feature] = value;
  return credentials;
}

// node_modules/@smithy/core/dist-es/submodules/protocols/index.js
init_transport();

// node_modules/@smithy/core/dist-es/submodules/protocols/util-uri-escape/escape-uri.js
var escapeUri = (uri) => encodeURIComponent(uri).replace(/[!'()*]/g, hexEncode);
var hexEncode = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js
var partitionsInfo = {
  "partitions": [
    {
      "id": "aws",
      "outputs": {
        "dnsSuffix": "amazonaws.com",
        "dualStackDnsSuffix": "api.aws",
        "implicitGlobalRegion": "us-east-1",
        "name": "aws",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^(us|eu|ap|sa|ca|me|af|il|mx)\\-\\w+\\-\\d+$",
      "regions": {
        "af-south-1": {
          "description": "Africa (Cape Town)"
        },
        "ap-east-1": {
          "description": "Asia Pacific (Hong Kong)"
        },
        "ap-east-2": {
          "description": "Asia Pacific (Taipei)"
        },
        "ap-northeast-1": {
          "description": "Asia Pacific (Tokyo)"
        },
        "ap-northeast-2": {
          "description": "Asia Pacific (Seoul)"
        },
        "ap-northeast-3": {
          "description": "Asia Pacific (Osaka)"
        },
        "ap-south-1": {
          "description": "Asia Pacific (Mumbai)"
        },
        "ap-south-2": {
          "description": "Asia Pacific (Hyderabad)"
        },
        "ap-southeast-1": {
          "description": "Asia Pacific (Singapore)"
        },
        "ap-southeast-2": {
          "description": "Asia Pacific (Sydney)"
        },
        "ap-southeast-3": {
          "description": "Asia Pacific (Jakarta)"
        },
        "ap-southeast-4": {
          "description": "Asia Pacific (Melbourne)"
        },
        "ap-southeast-5": {
          "description": "Asia Pacific (Malaysia)"
        },
        "ap-southeast-6": {
          "description": "Asia Pacific (New Zealand)"
        },
        "ap-southeast-7": {
          "description": "Asia Pacific (Thailand)"
        },
        "aws-global": {
          "description": "aws global region"
        },
        "ca-central-1": {
          "description": "Canada (Central)"
        },
        "ca-west-1": {
          "description": "Canada West (Calgary)"
        },
        "eu-central-1": {
          "description": "Europe (Frankfurt)"
        },
        "eu-central-2": {
          "description": "Europe (Zurich)"
        },
        "eu-north-1": {
          "description": "Europe (Stockholm)"
        },
        "eu-south-1": {
          "description": "Europe (Milan)"
        },
        "eu-south-2": {
          "description": "Europe (Spain)"
        },
        "eu-west-1": {
          "description": "Europe (Ireland)"
        },
        "eu-west-2": {
          "description": "Europe (London)"
        },
        "eu-west-3": {
          "description": "Europe (Paris)"
        },
        "il-central-1": {
          "description": "Israel (Tel Aviv)"
        },
        "me-central-1": {
          "description": "Middle East (UAE)"
        },
        "me-south-1": {
          "description": "Middle East (Bahrain)"
        },
        "me-west-1": {
          "description": "Middle East (Saudi Arabia)"
        },
        "mx-central-1": {
          "description": "Mexico (Central)"
        },
        "sa-east-1": {
          "description": "South America (Sao Paulo)"
        },
        "sa-west-1": {
          "description": "South America (Chile)"
        },
        "us-east-1": {
          "description": "US East (N. Virginia)"
        },
        "us-east-2": {
          "description": "US East (Ohio)"
        },
        "us-west-1": {
          "description": "US West (N. California)"
        },
        "us-west-2": {
          "description": "US West (Oregon)"
        }
      }
    },
    {
      "id": "aws-cn",
      "outputs": {
        "dnsSuffix": "amazonaws.com.cn",
        "dualStackDnsSuffix": "api.amazonwebservices.com.cn",
        "implicitGlobalRegion": "cn-northwest-1",
        "name": "aws-cn",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^cn\\-\\w+\\-\\d+$",
      "regions": {
        "aws-cn-global": {
          "description": "aws-cn global region"
        },
        "cn-north-1": {
          "description": "China (Beijing)"
        },
        "cn-northwest-1": {
          "description": "China (Ningxia)"
        }
      }
    },
    {
      "id": "aws-eusc",
      "outputs": {
        "dnsSuffix": "amazonaws.eu",
        "dualStackDnsSuffix": "api.amazonwebservices.eu",
        "implicitGlobalRegion": "eusc-de-east-1",
        "name": "aws-eusc",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^eusc\\-(de)\\-\\w+\\-\\d+$",
      "regions": {
        "eusc-de-east-1": {
          "description": "AWS European Sovereign Cloud (Germany)"
        }
      }
    },
    {
      "id": "aws-iso",
      "outputs": {
        "dnsSuffix": "c2s.ic.gov",
        "dualStackDnsSuffix": "api.aws.ic.gov",
        "implicitGlobalRegion": "us-iso-east-1",
        "name": "aws-iso",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^us\\-iso\\-\\w+\\-\\d+$",
      "regions": {
        "aws-iso-global": {
          "description": "aws-iso global region"
        },
        "us-iso-east-1": {
          "description": "US ISO East"
        },
        "us-iso-west-1": {
          "description": "US ISO WEST"
        }
      }
    },
    {
      "id": "aws-iso-b",
      "outputs": {
        "dnsSuffix": "sc2s.sgov.gov",
        "dualStackDnsSuffix": "api.aws.scloud",
        "implicitGlobalRegion": "us-isob-east-1",
        "name": "aws-iso-b",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^us\\-isob\\-\\w+\\-\\d+$",
      "regions": {
        "aws-iso-b-global": {
          "description": "aws-iso-b global region"
        },
        "us-isob-east-1": {
          "description": "US ISOB East (Ohio)"
        },
        "us-isob-west-1": {
          "description": "US ISOB West"
        }
      }
    },
    {
      "id": "aws-iso-e",
      "outputs": {
        "dnsSuffix": "cloud.adc-e.uk",
        "dualStackDnsSuffix": "api.cloud-aws.adc-e.uk",
        "implicitGlobalRegion": "eu-isoe-west-1",
        "name": "aws-iso-e",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^eu\\-isoe\\-\\w+\\-\\d+$",
      "regions": {
        "aws-iso-e-global": {
          "description": "aws-iso-e global region"
        },
        "eu-isoe-west-1": {
          "description": "EU ISOE West"
        }
      }
    },
    {
      "id": "aws-iso-f",
      "outputs": {
        "dnsSuffix": "csp.hci.ic.gov",
        "dualStackDnsSuffix": "api.aws.hci.ic.gov",
        "implicitGlobalRegion": "us-isof-south-1",
        "name": "aws-iso-f",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^us\\-isof\\-\\w+\\-\\d+$",
      "regions": {
        "aws-iso-f-global": {
          "description": "aws-iso-f global region"
        },
        "us-isof-east-1": {
          "description": "US ISOF EAST"
        },
        "us-isof-south-1": {
          "description": "US ISOF SOUTH"
        }
      }
    },
    {
      "id": "aws-us-gov",
      "outputs": {
        "dnsSuffix": "amazonaws.com",
        "dualStackDnsSuffix": "api.aws",
        "implicitGlobalRegion": "us-gov-west-1",
        "name": "aws-us-gov",
        "supportsDualStack": true,
        "supportsFIPS": true
      },
      "regionRegex": "^us\\-gov\\-\\w+\\-\\d+$",
      "regions": {
        "aws-us-gov-global": {
          "description": "aws-us-gov global region"
        },
        "us-gov-east-1": {
          "description": "AWS GovCloud (US-East)"
        },
        "us-gov-west-1": {
          "description": "AWS GovCloud (US-West)"
        }
      }
    }
  ],
  "version": "1.1"
};

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partition.js
var selectedPartitionsInfo = partitionsInfo;
var partition = (value) => {
  const { partitions } = selectedPartitionsInfo;
  for (const partition2 of partitions) {
    const { regions, outputs } = partition2;
    for (const [region, regionData] of Object.entries(regions)) {
      if (region === value) {
        return {
          ...outputs,
          ...regionData
        };
      }
    }
  }
  for (const partition2 of partitions) {
    const { regionRegex, outputs } = partition2;
    if (new RegExp(regionRegex).test(value)) {
      return {
        ...outputs
      };
    }
  }
  const DEFAULT_PARTITION = partitions.find((partition2) => partition2.id === "aws");
  if (!DEFAULT_PARTITION) {
    throw new Error("Provided region was not found in the partition array or regex, and default partition with id 'aws' doesn't exist.");
  }
  return {
    ...DEFAULT_PARTITION.outputs
  };
};

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/aws.js
init_endpoints();

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/isVirtualHostableS3Bucket.js
init_endpoints();

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/isIpAddress.js
init_endpoints();

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/isVirtualHostableS3Bucket.js
var isVirtualHostableS3Bucket = (value, allowSubDomains = false) => {
  if (allowSubDomains) {
    for (const label of value.split(".")) {
      if (!isVirtualHostableS3Bucket(label)) {
        return false;
      }
    }
    return true;
  }
  if (!isValidHostLabel(value)) {
    return false;
  }
  if (value.length < 3 || value.length > 63) {
    return false;
  }
  if (value !== value.toLowerCase()) {
    return false;
  }
  if (isIpAddress(value)) {
    return false;
  }
  return true;
};

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/parseArn.js
var ARN_DELIMITER = ":";
var RESOURCE_DELIMITER = "/";
var parseArn = (value) => {
  const segments = value.split(ARN_DELIMITER);
  if (segments.length < 6) {
    return null;
  }
  const [arn, partition2, service, region, accountId, ...resourcePath] = segments;
  if (arn !== "arn" || partition2 === "" || service === "" || resourcePath.join(ARN_DELIMITER) === "") {
    return null;
  }
  const resourceId = resourcePath.map((resource) => resource.split(RESOURCE_DELIMITER)).flat();
  return {
    partition: partition2,
    service,
    region,
    accountId,
    resourceId
  };
};

// node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/aws.js
var awsEndpointFunctions = {
  isVirtualHostableS3Bucket,
  parseArn,
  partition
};
customEndpointFunctions.aws = awsEndpointFunctions;

// node_modules/@aws-sdk/credential-provider-env/dist-es/fromEnv.js
init_config();
var ENV_KEY = "AWS_ACCESS_KEY_ID";
var ENV_SECRET = "AWS_SECRET_ACCESS_KEY";
var ENV_SESSION = "AWS_SESSION_TOKEN";
var ENV_EXPIRATION = "AWS_CREDENTIAL_EXPIRATION";
var ENV_CREDENTIAL_SCOPE = "AWS_CREDENTIAL_SCOPE";
var ENV_ACCOUNT_ID = "AWS_ACCOUNT_ID";
var fromEnv2 = (init) => async () => {
  init?.logger?.debug("@aws-sdk/credential-provider-env - fromEnv");
  const accessKeyId = process.env[ENV_KEY];
  const secretAccessKey = process.env[ENV_SECRET];
  const sessionToken = process.env[ENV_SESSION];
  const expiry = process.env[ENV_EXPIRATION];
  const credentialScope = process.env[ENV_CREDENTIAL_SCOPE];
  const accountId = process.env[ENV_ACCOUNT_ID];
  if (accessKeyId && secretAccessKey) {
    const credentials = {
      accessKeyId,
      secretAccessKey,
      ...sessionToken && { sessionToken },
      ...expiry && { expiration: new Date(expiry) },
      ...credentialScope && { credentialScope },
      ...accountId && { accountId }
    };
    setCredentialFeature(credentials, "CREDENTIALS_ENV_VARS", "g");
    return credentials;
  }
  throw new CredentialsProviderError("Unable to find environment variable credentials.", { logger: init?.logger });
};

// src/client/ci-text.ts
var UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
var UNSAFE_EXCEPT_LF = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
var PLAIN = /^[\x20-\x7e\n]*$/;
var LEADING_SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/;
var REDRAW = "\r\x1B[K";
function defuse(line) {
  const lead = LEADING_SPACE.exec(line)[0].length;
  const head = line.startsWith("::", lead) ? `${line.slice(0, lead)}: :${line.slice(lead + 2)}` : line;
  return head.replaceAll("##[", "# #[");
}
function printable(value, max) {
  const safe = oneLine(value);
  return safe.length > max ? `${safe.slice(0, max)}\u2026` : safe;
}
function oneLine(value) {
  return defuse(value.replace(UNSAFE, " "));
}
function escapeData(text) {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(text) {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
function workflowCommand(name, data, properties = {}) {
  const props = Object.entries(properties).map(([key, value]) => `${key}=${escapeProperty(oneLine(value))}`);
  return `::${name}${props.length > 0 ? ` ${props.join(",")}` : ""}::${escapeData(oneLine(data))}`;
}
var OutputGuard = class {
  /** The current line's first two characters after its leading white space ('' while it is blank). */
  #start = "";
  /** The current line's last two characters ('' at a line's start). */
  #tail = "";
  #redraw;
  /**
   * @param options.redraw keep `\r\x1b[K` (a progress bar redrawn in place on a terminal; never in a log) as a
   * line start.
   */
  constructor(options = {}) {
    this.#redraw = options.redraw === true;
  }
  /** Whether text written so far ended in the middle of a line. */
  get midLine() {
    return this.#tail !== "";
  }
  /** Told that a whole line (a workflow command) was written beside the guard. */
  lineWritten() {
    this.#start = "";
    this.#tail = "";
  }
  /** The text as it may be written. */
  clean(text) {
    const clean = PLAIN.test(text) ? text : (this.#redraw ? text.split(REDRAW) : [text]).map((piece) => piece.replace(UNSAFE_EXCEPT_LF, " ")).join(REDRAW);
    let out = "";
    for (const part of clean.split(/(\n|\r\x1b\[K)/)) {
      if (part === "\n" || part === REDRAW) {
        out += part;
        this.lineWritten();
        continue;
      }
      out += this.#segment(part);
    }
    return out;
  }
  /** A piece of one line, continuing what was written of it before. */
  #segment(text) {
    let segment = text;
    if (`${this.#tail}${segment.slice(0, 2)}`.includes("##[")) segment = ` ${segment}`;
    if (this.#start === "") {
      segment = defuse(segment);
      this.#start = segment.slice(LEADING_SPACE.exec(segment)[0].length).slice(0, 2);
    } else {
      if (this.#start === ":" && segment.startsWith(":")) segment = ` ${segment}`;
      segment = segment.replaceAll("##[", "# #[");
      this.#start = `${this.#start}${segment}`.slice(0, 2);
    }
    this.#tail = `${this.#tail}${segment}`.slice(-2);
    return segment;
  }
};

// src/client/version.ts
init_node_fs();
var VERSION = true ? "0.1.0" : JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
function userAgent(caller) {
  return `asc-token/${VERSION} (${caller})`;
}

// src/client/refusal.ts
var PATTERNS = [
  // Local server: "signature expired or not yet valid: …"; API Gateway: "Signature expired: …", "Signature not yet current: …".
  ["clock", /signature expired|signature not yet current|not yet valid|more than 15 minutes/i],
  // Local server: "unknown access key ID"; API Gateway: "The security token included in the request is invalid/expired".
  ["credentials", /unknown access key|security token included in the request is (invalid|expired)|access key id .* does not exist/i],
  ["unsigned", /missing authorization header|needs a sigv4-signed request|missing authentication token|unsigned request|authorization header is not a sigv4|authorization header requires/i],
  ["iam", /is not authorized to perform: execute-api:invoke|explicit deny/i],
  ["signature", /sigv4|signature|credential should be scoped|x-amz-date|x-amz-content-sha256|signed header/i]
];
function refusalReason(detail) {
  for (const [reason, pattern] of PATTERNS) if (pattern.test(detail)) return reason;
  return "policy";
}
var NPX_PROFILES = `npx --yes --package=asc-token-vending@${VERSION} asc-token profiles`;
var REASON_HINTS = {
  signature: "The request signature was refused before the service saw it: check that AWS_SECRET_ACCESS_KEY belongs to AWS_ACCESS_KEY_ID, that AWS_SESSION_TOKEN is either unset or the one issued with them, and that no proxy rewrites the request.",
  clock: "The signing time is more than 15 minutes from the server's clock: synchronise this machine's clock (NTP) and retry.",
  credentials: "The AWS credentials were not accepted: temporary ones have expired (assume the role again) or lost their AWS_SESSION_TOKEN; long-term keys must not carry an empty or stale AWS_SESSION_TOKEN. Against `npm start`, use the access key its banner prints.",
  unsigned: "The request arrived unsigned, or the path does not exist: check the URL is the API base including the stage, and that AWS credentials are set.",
  iam: "IAM refused before the service saw the request: your role needs execute-api:Invoke on this path (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/POST/v1/tokens/PROFILE), and the API's resource policy must allow your account or organisation.",
  policy: `Your AWS principal may not use this profile, or there is no profile by that name (the service does not say which: check the spelling). Run \`asc-token profiles\` (without the CLI installed: \`${NPX_PROFILES}\`) to see who the service thinks you are and what you may use; ask the platform owner to add your role to the profile's callers.`
};
function refusalHint(detail, command) {
  const reason = refusalReason(detail);
  if (reason === "policy" && command === "profiles") {
    return "The service refused to list profiles for this principal; ask the platform owner which profiles and callers the policy has.";
  }
  return REASON_HINTS[reason];
}

// src/client/hints.ts
var URL_SETTING = {
  token: "--url / ASC_TOKEN_URL",
  profiles: "--url / ASC_TOKEN_URL",
  exec: "--url / ASC_TOKEN_URL",
  upload: "--url / ASC_TOKEN_URL",
  notarize: "--url / ASC_TOKEN_URL",
  action: "the `url` input",
  client: "TokenClient's url"
};
var SCOPE_SETTING = {
  token: '--scope "GET /v1/apps/ID/builds"',
  profiles: '--scope "GET /v1/apps/ID/builds"',
  exec: '--scope "GET /v1/apps/ID/builds"',
  upload: '--scope "GET /v1/apps/ID/builds"',
  notarize: '--scope "GET /v1/apps/ID/builds"',
  action: "the `scope` input (one entry per line, e.g. GET /v1/apps/ID/builds)",
  client: "getToken's scope option"
};
var HINTS = {
  scope_not_allowed: (c) => c === "upload" || c === "notarize" ? "The profile does not grant this call: the platform owner adds its pattern to the profile (docs/design.md#jobs-without-the-key; infra/policy.yaml has the smallest upload profile)." : "Ask only for what the profile grants: `asc-token profiles` lists its scope entries (and a Sign in with Apple profile its clientIds).",
  scope_required: (c) => `This profile grants wildcard entries: name the concrete ones with ${SCOPE_SETTING[c]}.`,
  invalid_scope: () => 'Scope entries look like "GET /v1/apps?filter[platform]=IOS": method, one space, path.',
  invalid_request: () => "The request is not one the service takes: the detail says what (a scope or ttl for a shared APNs or DeviceCheck token, a clientId the profile needs\u2026).",
  ttl_out_of_range: (c) => `Pick a lifetime within the profile's range (\`asc-token profiles\` shows it)${c === "token" ? " with --ttl, or omit it for the default" : ""}.`,
  key_unavailable: () => "The service cannot read its key right now; retry in a minute. If it persists, ops should check the key source (Secrets Manager or KMS) and the function's logs.",
  key_invalid: () => "The key stored for this profile is not usable (the detail says why): ops check it with `asc-token keys show --secret-id ID` (or `--kms-key-id ID`); against `npm start`, delete the broken `.local/keys/NAME.json` and restart for a new throwaway key.",
  internal: () => "The service failed; give the request ID to its operators.",
  throttled: () => "The API is rate limited; the client already retried with back-off. If this is steady, ask for a higher stage throttle (throttleRate).",
  not_found: (c) => `Check ${URL_SETTING[c]}: it must be the API base URL including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod.`,
  network: (c) => `Check ${URL_SETTING[c]} and the network (a private API needs a caller inside its VPC; behind a proxy, set HTTPS_PROXY).`,
  bad_response: (c) => `Check ${URL_SETTING[c]}: it must be the asc-token-vending API.`
};
function hintFor(problem, context) {
  if (problem.status === 403 && problem.code !== "scope_not_allowed") return refusalHint(problem.detail, context === "profiles" ? "profiles" : "token");
  return Object.hasOwn(HINTS, problem.code) ? HINTS[problem.code]?.(context) : void 0;
}

// src/client/errors.ts
var TokenClientError = class _TokenClientError extends Error {
  constructor(code, message, status, requestId, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.url = options?.url;
  }
  code;
  status;
  requestId;
  name = "TokenClientError";
  /** The service URL that answered (or, with no answer, the first one tried). */
  url;
  /** What to do about it (src/client/hints.ts), as the given kind of caller would do it. */
  hint(context = "client") {
    return hintFor({ code: this.code, status: this.status, detail: this.message }, context);
  }
  /** A refusal of the service's, as its problem answer said it. */
  static from(problem, url) {
    return new _TokenClientError(problem.code, problem.detail, problem.status, problem.requestId, { url });
  }
};

// src/client/text.ts
function identifier(value, shape) {
  return typeof value === "string" && shape.test(value) ? value : void 0;
}
var ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
var REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;

// src/client/problem.ts
function problemOf(response) {
  const body = typeof response.json === "object" && response.json !== null ? response.json : {};
  return {
    code: identifier(body.code, ERROR_CODE) ?? `http_${response.status}`,
    detail: typeof body.detail === "string" ? printable(body.detail, 500) : `HTTP ${response.status} without a problem body (is the URL the asc-token-vending API?)`,
    requestId: identifier(body.requestId, REQUEST_ID),
    status: response.status
  };
}

// src/client/http.ts
init_node_module();

// src/net/outbound.ts
var PROXY_VARIABLES = ["https_proxy", "HTTPS_PROXY", "http_proxy"];
function proxyConfigured(env = process.env) {
  return PROXY_VARIABLES.some((name) => Boolean(env[name]));
}
async function proxyAgentFor(url, env = process.env) {
  if (!proxyConfigured(env)) return void 0;
  return (await Promise.resolve().then(() => (init_proxy(), proxy_exports))).agentFor(url, env);
}

// src/sigv4.ts
init_node_crypto();

// narrow-signer-imports:signer-serde
init_hex_encoding();
init_toUint8Array();
init_fromUtf8();
init_is_array_buffer();
init_writeKey();
init_transport();

// node_modules/@smithy/signature-v4/dist-es/HeaderFormatter.js
var HeaderFormatter = class {
  format(headers) {
    const chunks = [];
    for (const headerName in headers) {
      if (!hasOwn(headers, headerName)) {
        continue;
      }
      const bytes = fromUtf8(headerName);
      chunks.push(Uint8Array.from([bytes.byteLength]), bytes, this.formatHeaderValue(headers[headerName]));
    }
    const out = new Uint8Array(chunks.reduce((carry, bytes) => carry + bytes.byteLength, 0));
    let position = 0;
    for (const chunk of chunks) {
      out.set(chunk, position);
      position += chunk.byteLength;
    }
    return out;
  }
  formatHeaderValue(header) {
    switch (header.type) {
      case "boolean":
        return Uint8Array.from([header.value ? 0 : 1]);
      case "byte":
        return Uint8Array.from([2, header.value]);
      case "short":
        const shortView = new DataView(new ArrayBuffer(3));
        shortView.setUint8(0, 3);
        shortView.setInt16(1, header.value, false);
        return new Uint8Array(shortView.buffer);
      case "integer":
        const intView = new DataView(new ArrayBuffer(5));
        intView.setUint8(0, 4);
        intView.setInt32(1, header.value, false);
        return new Uint8Array(intView.buffer);
      case "long":
        const longBytes = new Uint8Array(9);
        longBytes[0] = 5;
        longBytes.set(header.value.bytes, 1);
        return longBytes;
      case "binary":
        const binView = new DataView(new ArrayBuffer(3 + header.value.byteLength));
        binView.setUint8(0, 6);
        binView.setUint16(1, header.value.byteLength, false);
        const binBytes = new Uint8Array(binView.buffer);
        binBytes.set(header.value, 3);
        return binBytes;
      case "string":
        const utf8Bytes = fromUtf8(header.value);
        const strView = new DataView(new ArrayBuffer(3 + utf8Bytes.byteLength));
        strView.setUint8(0, 7);
        strView.setUint16(1, utf8Bytes.byteLength, false);
        const strBytes = new Uint8Array(strView.buffer);
        strBytes.set(utf8Bytes, 3);
        return strBytes;
      case "timestamp":
        const tsBytes = new Uint8Array(9);
        tsBytes[0] = 8;
        tsBytes.set(Int64.fromNumber(header.value.valueOf()).bytes, 1);
        return tsBytes;
      case "uuid":
        if (!UUID_PATTERN.test(header.value)) {
          throw new Error(`Invalid UUID received: ${header.value}`);
        }
        const uuidBytes = new Uint8Array(17);
        uuidBytes[0] = 9;
        uuidBytes.set(fromHex(header.value.replace(/-/g, "")), 1);
        return uuidBytes;
    }
  }
};
var HEADER_VALUE_TYPE;
(function(HEADER_VALUE_TYPE2) {
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["boolTrue"] = 0] = "boolTrue";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["boolFalse"] = 1] = "boolFalse";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["byte"] = 2] = "byte";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["short"] = 3] = "short";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["integer"] = 4] = "integer";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["long"] = 5] = "long";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["byteArray"] = 6] = "byteArray";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["string"] = 7] = "string";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["timestamp"] = 8] = "timestamp";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["uuid"] = 9] = "uuid";
})(HEADER_VALUE_TYPE || (HEADER_VALUE_TYPE = {}));
var UUID_PATTERN = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
var Int64 = class _Int64 {
  bytes;
  constructor(bytes) {
    this.bytes = bytes;
    if (bytes.byteLength !== 8) {
      throw new Error("Int64 buffers must be exactly 8 bytes");
    }
  }
  static fromNumber(number) {
    if (number > 9223372036854776e3 || number < -9223372036854776e3) {
      throw new Error(`${number} is too large (or, if negative, too small) to represent as an Int64`);
    }
    const bytes = new Uint8Array(8);
    for (let i = 7, remaining = Math.abs(Math.round(number)); i > -1 && remaining > 0; i--, remaining /= 256) {
      bytes[i] = remaining;
    }
    if (number < 0) {
      negate(bytes);
    }
    return new _Int64(bytes);
  }
  valueOf() {
    const bytes = this.bytes.slice(0);
    const negative = bytes[0] & 128;
    if (negative) {
      negate(bytes);
    }
    return parseInt(toHex(bytes), 16) * (negative ? -1 : 1);
  }
  toString() {
    return String(this.valueOf());
  }
};
function negate(bytes) {
  for (let i = 0; i < 8; i++) {
    bytes[i] ^= 255;
  }
  for (let i = 7; i > -1; i--) {
    bytes[i]++;
    if (bytes[i] !== 0) {
      break;
    }
  }
}

// node_modules/@smithy/signature-v4/dist-es/SignatureV4Base.js
init_client();

// node_modules/@smithy/signature-v4/dist-es/constants.js
var ALGORITHM_QUERY_PARAM = "X-Amz-Algorithm";
var CREDENTIAL_QUERY_PARAM = "X-Amz-Credential";
var AMZ_DATE_QUERY_PARAM = "X-Amz-Date";
var SIGNED_HEADERS_QUERY_PARAM = "X-Amz-SignedHeaders";
var EXPIRES_QUERY_PARAM = "X-Amz-Expires";
var SIGNATURE_QUERY_PARAM = "X-Amz-Signature";
var TOKEN_QUERY_PARAM = "X-Amz-Security-Token";
var AUTH_HEADER = "authorization";
var AMZ_DATE_HEADER = AMZ_DATE_QUERY_PARAM.toLowerCase();
var DATE_HEADER = "date";
var GENERATED_HEADERS = [AUTH_HEADER, AMZ_DATE_HEADER, DATE_HEADER];
var SIGNATURE_HEADER = SIGNATURE_QUERY_PARAM.toLowerCase();
var SHA256_HEADER = "x-amz-content-sha256";
var TOKEN_HEADER = TOKEN_QUERY_PARAM.toLowerCase();
var ALWAYS_UNSIGNABLE_HEADERS = {
  authorization: true,
  "cache-control": true,
  connection: true,
  expect: true,
  from: true,
  "keep-alive": true,
  "max-forwards": true,
  pragma: true,
  referer: true,
  te: true,
  trailer: true,
  "transfer-encoding": true,
  upgrade: true,
  "user-agent": true,
  "x-amzn-trace-id": true
};
var PROXY_HEADER_PATTERN = /^proxy-/;
var SEC_HEADER_PATTERN = /^sec-/;
var ALGORITHM_IDENTIFIER = "AWS4-HMAC-SHA256";
var EVENT_ALGORITHM_IDENTIFIER = "AWS4-HMAC-SHA256-PAYLOAD";
var UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
var MAX_CACHE_SIZE = 50;
var KEY_TYPE_IDENTIFIER = "aws4_request";
var MAX_PRESIGNED_TTL = 60 * 60 * 24 * 7;

// node_modules/@smithy/signature-v4/dist-es/getCanonicalQuery.js
var getCanonicalQuery = ({ query = {} }) => {
  const keys = [];
  const serialized = {};
  for (const key in query) {
    if (!hasOwn(query, key)) {
      continue;
    }
    if (key.toLowerCase() === SIGNATURE_HEADER) {
      continue;
    }
    const encodedKey = escapeUri(key);
    keys.push(encodedKey);
    const value = query[key];
    if (typeof value === "string") {
      serialized[encodedKey] = `${encodedKey}=${escapeUri(value)}`;
    } else if (Array.isArray(value)) {
      serialized[encodedKey] = value.slice(0).reduce((encoded, value2) => encoded.concat([`${encodedKey}=${escapeUri(value2)}`]), []).sort().join("&");
    }
  }
  return keys.sort().map((key) => serialized[key]).filter((serialized2) => serialized2).join("&");
};

// node_modules/@smithy/signature-v4/dist-es/utilDate.js
var iso8601 = (time) => toDate(time).toISOString().replace(/\.\d{3}Z$/, "Z");
var toDate = (time) => {
  if (typeof time === "number") {
    return new Date(time * 1e3);
  }
  if (typeof time === "string") {
    if (Number(time)) {
      return new Date(Number(time) * 1e3);
    }
    return new Date(time);
  }
  return time;
};

// node_modules/@smithy/signature-v4/dist-es/SignatureV4Base.js
var SignatureV4Base = class {
  service;
  regionProvider;
  credentialProvider;
  sha256;
  uriEscapePath;
  applyChecksum;
  constructor({ applyChecksum, credentials, region, service, sha256, uriEscapePath = true }) {
    this.service = service;
    this.sha256 = sha256;
    this.uriEscapePath = uriEscapePath;
    this.applyChecksum = typeof applyChecksum === "boolean" ? applyChecksum : true;
    this.regionProvider = normalizeProvider(region);
    this.credentialProvider = normalizeProvider(credentials);
  }
  createCanonicalRequest(request2, canonicalHeaders, payloadHash) {
    const sortedHeaders = Object.keys(canonicalHeaders).sort();
    return `${request2.method}
${this.getCanonicalPath(request2)}
${getCanonicalQuery(request2)}
${sortedHeaders.map((name) => `${name}:${canonicalHeaders[name]}`).join("\n")}

${sortedHeaders.join(";")}
${payloadHash}`;
  }
  async createStringToSign(longDate, credentialScope, canonicalRequest, algorithmIdentifier) {
    const hash2 = new this.sha256();
    hash2.update(toUint8Array(canonicalRequest));
    const hashedRequest = await hash2.digest();
    return `${algorithmIdentifier}
${longDate}
${credentialScope}
${toHex(hashedRequest)}`;
  }
  getCanonicalPath({ path }) {
    if (this.uriEscapePath) {
      const normalizedPathSegments = [];
      for (const pathSegment of path.split("/")) {
        if (pathSegment?.length === 0) {
          continue;
        }
        if (pathSegment === ".") {
          continue;
        }
        if (pathSegment === "..") {
          normalizedPathSegments.pop();
        } else {
          normalizedPathSegments.push(pathSegment);
        }
      }
      const normalizedPath = `${path?.startsWith("/") ? "/" : ""}${normalizedPathSegments.join("/")}${normalizedPathSegments.length > 0 && path?.endsWith("/") ? "/" : ""}`;
      const doubleEncoded = escapeUri(normalizedPath);
      return doubleEncoded.replace(/%2F/g, "/");
    }
    return path;
  }
  validateResolvedCredentials(credentials) {
    if (typeof credentials !== "object" || typeof credentials.accessKeyId !== "string" || typeof credentials.secretAccessKey !== "string") {
      throw new Error("Resolved credential object is not valid");
    }
  }
  formatDate(now) {
    const longDate = iso8601(now).replace(/[-:]/g, "");
    return {
      longDate,
      shortDate: longDate.slice(0, 8)
    };
  }
  getCanonicalHeaderList(headers) {
    return Object.keys(headers).sort().join(";");
  }
};

// node_modules/@smithy/signature-v4/dist-es/credentialDerivation.js
var signingKeyCache = {};
var cacheQueue = [];
var createScope = (shortDate, region, service) => `${shortDate}/${region}/${service}/${KEY_TYPE_IDENTIFIER}`;
var getSigningKey = async (sha256Constructor, credentials, shortDate, region, service) => {
  const credsHash = await hmac(sha256Constructor, credentials.secretAccessKey, credentials.accessKeyId);
  const cacheKey = `${shortDate}:${region}:${service}:${toHex(credsHash)}:${credentials.sessionToken}`;
  if (cacheKey in signingKeyCache) {
    return signingKeyCache[cacheKey];
  }
  cacheQueue.push(cacheKey);
  while (cacheQueue.length > MAX_CACHE_SIZE) {
    delete signingKeyCache[cacheQueue.shift()];
  }
  let key = `AWS4${credentials.secretAccessKey}`;
  for (const signable of [shortDate, region, service, KEY_TYPE_IDENTIFIER]) {
    key = await hmac(sha256Constructor, key, signable);
  }
  return signingKeyCache[cacheKey] = key;
};
var hmac = (ctor, secret, data) => {
  const hash2 = new ctor(secret);
  hash2.update(toUint8Array(data));
  return hash2.digest();
};

// node_modules/@smithy/signature-v4/dist-es/getCanonicalHeaders.js
var getCanonicalHeaders = ({ headers }, unsignableHeaders, signableHeaders) => {
  const canonical = {};
  for (const headerName of Object.keys(headers).sort()) {
    if (headers[headerName] == void 0) {
      continue;
    }
    const canonicalHeaderName = headerName.toLowerCase();
    if (hasOwn(ALWAYS_UNSIGNABLE_HEADERS, canonicalHeaderName) || unsignableHeaders?.has(canonicalHeaderName) || PROXY_HEADER_PATTERN.test(canonicalHeaderName) || SEC_HEADER_PATTERN.test(canonicalHeaderName)) {
      if (!signableHeaders || signableHeaders && !signableHeaders.has(canonicalHeaderName)) {
        continue;
      }
    }
    if (canonicalHeaderName === "__proto__") {
      writeKey(canonical);
    }
    canonical[canonicalHeaderName] = headers[headerName].replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "");
  }
  return canonical;
};

// node_modules/@smithy/signature-v4/dist-es/getPayloadHash.js
var getPayloadHash = async ({ headers, body }, hashConstructor) => {
  for (const headerName in headers) {
    if (!hasOwn(headers, headerName)) {
      continue;
    }
    if (headerName.toLowerCase() === SHA256_HEADER) {
      return headers[headerName];
    }
  }
  if (body == void 0) {
    return "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  } else if (typeof body === "string" || ArrayBuffer.isView(body) || isArrayBuffer(body)) {
    const hashCtor = new hashConstructor();
    hashCtor.update(toUint8Array(body));
    return toHex(await hashCtor.digest());
  }
  return UNSIGNED_PAYLOAD;
};

// node_modules/@smithy/signature-v4/dist-es/headerUtil.js
var hasHeader = (soughtHeader, headers) => {
  soughtHeader = soughtHeader.toLowerCase();
  for (const headerName in headers) {
    if (!hasOwn(headers, headerName)) {
      continue;
    }
    if (soughtHeader === headerName.toLowerCase()) {
      return true;
    }
  }
  return false;
};

// node_modules/@smithy/signature-v4/dist-es/moveHeadersToQuery.js
var moveHeadersToQuery = (request2, options = {}) => {
  const { headers, query = {} } = HttpRequest.clone(request2);
  for (const name in headers) {
    if (!hasOwn(headers, name)) {
      continue;
    }
    const lname = name.toLowerCase();
    if (lname.slice(0, 6) === "x-amz-" && !options.unhoistableHeaders?.has(lname) || options.hoistableHeaders?.has(lname)) {
      query[name] = headers[name];
      delete headers[name];
    }
  }
  return {
    ...request2,
    headers,
    query
  };
};

// node_modules/@smithy/signature-v4/dist-es/prepareRequest.js
var prepareRequest = (request2) => {
  request2 = HttpRequest.clone(request2);
  for (const headerName in request2.headers) {
    if (!hasOwn(request2.headers, headerName)) {
      continue;
    }
    if (GENERATED_HEADERS.indexOf(headerName.toLowerCase()) > -1) {
      delete request2.headers[headerName];
    }
  }
  return request2;
};

// node_modules/@smithy/signature-v4/dist-es/SignatureV4.js
var SignatureV4 = class extends SignatureV4Base {
  headerFormatter = new HeaderFormatter();
  constructor({ applyChecksum, credentials, region, service, sha256, uriEscapePath = true }) {
    super({
      applyChecksum,
      credentials,
      region,
      service,
      sha256,
      uriEscapePath
    });
  }
  async presign(originalRequest, options = {}) {
    const { signingDate = /* @__PURE__ */ new Date(), expiresIn = 3600, unsignableHeaders, unhoistableHeaders, signableHeaders, hoistableHeaders, signingRegion, signingService } = options;
    const credentials = await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const region = signingRegion ?? await this.regionProvider();
    const { longDate, shortDate } = this.formatDate(signingDate);
    if (expiresIn > MAX_PRESIGNED_TTL) {
      return Promise.reject("Signature version 4 presigned URLs must have an expiration date less than one week in the future");
    }
    const scope = createScope(shortDate, region, signingService ?? this.service);
    const request2 = moveHeadersToQuery(prepareRequest(originalRequest), { unhoistableHeaders, hoistableHeaders });
    if (credentials.sessionToken) {
      request2.query[TOKEN_QUERY_PARAM] = credentials.sessionToken;
    }
    request2.query[ALGORITHM_QUERY_PARAM] = ALGORITHM_IDENTIFIER;
    request2.query[CREDENTIAL_QUERY_PARAM] = `${credentials.accessKeyId}/${scope}`;
    request2.query[AMZ_DATE_QUERY_PARAM] = longDate;
    request2.query[EXPIRES_QUERY_PARAM] = expiresIn.toString(10);
    const canonicalHeaders = getCanonicalHeaders(request2, unsignableHeaders, signableHeaders);
    request2.query[SIGNED_HEADERS_QUERY_PARAM] = this.getCanonicalHeaderList(canonicalHeaders);
    request2.query[SIGNATURE_QUERY_PARAM] = await this.getSignature(longDate, scope, this.getSigningKey(credentials, region, shortDate, signingService), this.createCanonicalRequest(request2, canonicalHeaders, await getPayloadHash(originalRequest, this.sha256)));
    return request2;
  }
  async sign(toSign, options) {
    if (typeof toSign === "string") {
      return this.signString(toSign, options);
    } else if (toSign.headers && toSign.payload) {
      return this.signEvent(toSign, options);
    } else if (toSign.message) {
      return this.signMessage(toSign, options);
    } else {
      return this.signRequest(toSign, options);
    }
  }
  async signEvent({ headers, payload }, { signingDate = /* @__PURE__ */ new Date(), priorSignature, signingRegion, signingService, eventStreamCredentials }) {
    const region = signingRegion ?? await this.regionProvider();
    const { shortDate, longDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, region, signingService ?? this.service);
    const hashedPayload = await getPayloadHash({ headers: {}, body: payload }, this.sha256);
    const hash2 = new this.sha256();
    hash2.update(headers);
    const hashedHeaders = toHex(await hash2.digest());
    const stringToSign = [
      EVENT_ALGORITHM_IDENTIFIER,
      longDate,
      scope,
      priorSignature,
      hashedHeaders,
      hashedPayload
    ].join("\n");
    return this.signString(stringToSign, {
      signingDate,
      signingRegion: region,
      signingService,
      eventStreamCredentials
    });
  }
  async signMessage(signableMessage, { signingDate = /* @__PURE__ */ new Date(), signingRegion, signingService, eventStreamCredentials }) {
    const promise = this.signEvent({
      headers: this.headerFormatter.format(signableMessage.message.headers),
      payload: signableMessage.message.body
    }, {
      signingDate,
      signingRegion,
      signingService,
      priorSignature: signableMessage.priorSignature,
      eventStreamCredentials
    });
    return promise.then((signature) => {
      return { message: signableMessage.message, signature };
    });
  }
  async signString(stringToSign, { signingDate = /* @__PURE__ */ new Date(), signingRegion, signingService, eventStreamCredentials } = {}) {
    const credentials = eventStreamCredentials ?? await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const region = signingRegion ?? await this.regionProvider();
    const { shortDate } = this.formatDate(signingDate);
    const hash2 = new this.sha256(await this.getSigningKey(credentials, region, shortDate, signingService));
    hash2.update(toUint8Array(stringToSign));
    return toHex(await hash2.digest());
  }
  async signRequest(requestToSign, { signingDate = /* @__PURE__ */ new Date(), signableHeaders, unsignableHeaders, signingRegion, signingService } = {}) {
    const credentials = await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const region = signingRegion ?? await this.regionProvider();
    const request2 = prepareRequest(requestToSign);
    const { longDate, shortDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, region, signingService ?? this.service);
    request2.headers[AMZ_DATE_HEADER] = longDate;
    if (credentials.sessionToken) {
      request2.headers[TOKEN_HEADER] = credentials.sessionToken;
    }
    const payloadHash = await getPayloadHash(request2, this.sha256);
    if (!hasHeader(SHA256_HEADER, request2.headers) && this.applyChecksum) {
      request2.headers[SHA256_HEADER] = payloadHash;
    }
    const canonicalHeaders = getCanonicalHeaders(request2, unsignableHeaders, signableHeaders);
    const signature = await this.getSignature(longDate, scope, this.getSigningKey(credentials, region, shortDate, signingService), this.createCanonicalRequest(request2, canonicalHeaders, payloadHash));
    request2.headers[AUTH_HEADER] = `${ALGORITHM_IDENTIFIER} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${this.getCanonicalHeaderList(canonicalHeaders)}, Signature=${signature}`;
    return request2;
  }
  async getSignature(longDate, credentialScope, keyPromise, canonicalRequest) {
    const stringToSign = await this.createStringToSign(longDate, credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
    const hash2 = new this.sha256(await keyPromise);
    hash2.update(toUint8Array(stringToSign));
    return toHex(await hash2.digest());
  }
  getSigningKey(credentials, region, shortDate, service) {
    return getSigningKey(this.sha256, credentials, shortDate, region, service || this.service);
  }
};

// src/sigv4.ts
var NodeSha256 = class {
  #hash;
  constructor(secret) {
    this.#hash = secret === void 0 ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data) {
    this.#hash.update(toBytes(data));
  }
  async digest() {
    return this.#hash.digest();
  }
  reset() {
    throw new Error("not supported");
  }
};
function toBytes(data) {
  if (typeof data === "string") return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
var SERVICE = "execute-api";
function createSigner(credentials, region, applyChecksum = true) {
  return new SignatureV4({ credentials, region, service: SERVICE, sha256: NodeSha256, uriEscapePath: true, applyChecksum });
}

// src/client/url.ts
var ServiceUrlError = class extends TypeError {
  name = "ServiceUrlError";
};
function isLoopbackHost(hostname) {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
function checkServiceUrl(url) {
  let parsed;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    throw new ServiceUrlError("the service URL is not a URL");
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return parsed;
  if (parsed.protocol === "http:") throw new ServiceUrlError(`the service URL must be https: (http: is accepted only on loopback, for the local server), not http://${parsed.host}`);
  throw new ServiceUrlError(`the service URL must be an https: URL, not ${parsed.protocol}`);
}
function serviceUrls(value) {
  const urls = (typeof value === "string" ? value.split(",") : [...value]).map((url) => url.trim()).filter((url) => url !== "");
  if (urls.length === 0) throw new ServiceUrlError("no service URL");
  if (urls.length > 8) throw new ServiceUrlError("at most 8 service URLs");
  for (const url of urls) checkServiceUrl(url);
  return [...new Set(urls)];
}

// src/client/http.ts
function regionFor(url, env = process.env) {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  return match?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
}
async function signedRequest(request2) {
  const base = checkServiceUrl(request2.baseUrl);
  const url = new URL(base.pathname.replace(/\/$/, "") + request2.path, base);
  const credentials = await request2.credentials();
  const signer = createSigner(credentials, request2.region ?? regionFor(url));
  const headers = { host: url.host, accept: "application/json" };
  if (request2.body !== void 0) headers["content-type"] = "application/json";
  const query = {};
  url.searchParams.forEach((value, name) => {
    const existing = query[name];
    query[name] = existing === void 0 ? value : [existing, value].flat();
  });
  const signed = await signer.sign({
    method: request2.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === "" ? void 0 : Number(url.port),
    path: url.pathname,
    query,
    headers,
    body: request2.body
  });
  const outgoing = { ...signed.headers };
  outgoing["user-agent"] = request2.userAgent ?? userAgent("cli");
  const answer = await send(url, request2.method, outgoing, request2.body, request2.timeoutMs ?? 1e4);
  let json;
  try {
    json = JSON.parse(answer.text);
  } catch {
    json = void 0;
  }
  let answerHeaders;
  return {
    status: answer.status,
    // Built on first use: the Headers class is part of node's fetch (undici), which a CLI run should not load.
    get headers() {
      return answerHeaders ??= new Headers(Object.entries(answer.headers).flatMap(([name, value]) => value === void 0 ? [] : [[name, String(value)]]));
    },
    json,
    text: answer.text
  };
}
var MAX_ANSWER_BYTES = 1024 * 1024;
var RequestFailure = class extends Error {
  name = "RequestFailure";
  code;
  constructor(code, cause) {
    super(code, { cause });
    this.code = code;
  }
};
var load2 = createRequire(import.meta.url);
async function send(url, method, headers, body, timeoutMs) {
  const { request: request2 } = load2(url.protocol === "https:" ? "node:https" : "node:http");
  const agent = await proxyAgentFor(url);
  return new Promise((resolve, reject) => {
    const fail = (error) => {
      clearTimeout(deadline);
      reject(error instanceof RequestFailure ? error : new RequestFailure(error?.code ?? error?.name ?? "error", error));
    };
    const outgoing = request2(url, { method, headers: body === void 0 ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) }, ...agent ? { agent } : {} }, (response) => {
      const chunks = [];
      let size = 0;
      response.on("data", (chunk) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) response.destroy(new RequestFailure("EANSWERTOOLARGE"));
        else chunks.push(chunk);
      });
      response.on("error", fail);
      response.on("end", () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    const deadline = setTimeout(() => outgoing.destroy(new RequestFailure("ETIMEDOUT")), timeoutMs);
    outgoing.on("error", fail);
    outgoing.end(body);
  });
}

// src/client/retry.ts
var SERVICE_RETRY = { attempts: 3, baseMs: 400, capMs: 2e3, retryAfterCapMs: 1e4 };
function retryAfterMs(value, now = Date.now()) {
  if (value === null || value === void 0) return void 0;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1e3;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return void 0;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : void 0;
}
function retryDelayMs(attempt, policy, retryAfter, random = Math.random) {
  if (retryAfter !== void 0) return Math.min(retryAfter, policy.retryAfterCapMs);
  const ceiling = Math.min(policy.baseMs * 2 ** (attempt - 1), policy.capMs);
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}
var defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// src/client/service.ts
var NetworkError = class extends Error {
  name = "NetworkError";
};
var UrlHealth = class {
  constructor(downMs = 6e4) {
    this.downMs = downMs;
  }
  downMs;
  #downUntil = /* @__PURE__ */ new Map();
  order(urls, now) {
    const down = (url) => (this.#downUntil.get(url) ?? 0) > now;
    return [...urls.filter((url) => !down(url)), ...urls.filter(down)];
  }
  failed(url, now) {
    this.#downUntil.set(url, now + this.downMs);
  }
  answered(url) {
    this.#downUntil.delete(url);
  }
};
var permanent = (response) => response.status === 500 && response.json?.code === "key_invalid";
var failing = (response) => response.status >= 500 && !permanent(response) || response.status === 429;
async function callService(options, call2) {
  const policy = { ...SERVICE_RETRY, attempts: options.attempts ?? SERVICE_RETRY.attempts };
  const now = options.now ?? Date.now;
  const health = options.health ?? new UrlHealth();
  const sleep = options.sleep ?? defaultSleep;
  const failedOver = [];
  let last;
  for (let round = 1; ; round++) {
    for (const url of health.order(options.urls, now())) {
      let response;
      try {
        response = await signedRequest({ ...call2, baseUrl: url, credentials: options.credentials, region: options.region, userAgent: options.userAgent, ...options.timeoutMs ? { timeoutMs: options.timeoutMs } : {} });
      } catch (error) {
        if (error?.name !== "RequestFailure") throw error;
        health.failed(url, now());
        failedOver.push({ url, reason: [error.code ?? "network error", error.cause?.detail].filter(Boolean).join(": ") });
        continue;
      }
      if (!failing(response)) {
        health.answered(url);
        return Object.assign(response, { url, failedOver });
      }
      health.failed(url, now());
      failedOver.push({ url, reason: `HTTP ${response.status}` });
      last = Object.assign(response, { url, failedOver });
    }
    if (round >= policy.attempts) {
      if (last !== void 0) return last;
      throw new NetworkError(`cannot reach ${options.urls.join(" or ")} (${[...new Set(failedOver.map((f) => f.reason))].join(", ")})`);
    }
    await sleep(retryDelayMs(round, policy, retryAfterMs(last?.headers.get("retry-after"))));
  }
}

// src/client/validate.ts
init_node_crypto();

// src/core/apple.ts
var LONG_LIVED_MAX_TTL = 15552e3;
var DEVELOPER_TOKEN_MAX_TTL = 15777e3;
var KEY_ID_PATTERN = /^[A-Z0-9]{10}$/;
var BUNDLE_ID_PATTERN = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

// src/core/kind-fields.ts
var reverseDns = (value) => typeof value === "string" && value.length <= 155 && BUNDLE_ID_PATTERN.test(value);
var bundleId = {
  name: "bundleId",
  flag: "bundle-id",
  placeholder: "BUNDLE_ID",
  required: true,
  parse: (value) => reverseDns(value) ? { value } : { problem: "the app's bundle ID (e.g. com.example.app); it becomes the bid claim" }
};
var clientIds = {
  name: "clientIds",
  flag: "client-id",
  placeholder: "CLIENT_ID",
  required: true,
  parse: (value) => {
    const list = typeof value === "string" ? [value] : value;
    return Array.isArray(list) && list.length > 0 && list.length <= 50 && list.every(reverseDns) ? { value: [...new Set(list)] } : { problem: "clientIds: the Services IDs (or app IDs) this profile signs client secrets for, e.g. [com.example.web], at most 50" };
  }
};
var serviceId = {
  name: "serviceId",
  flag: "service-id",
  placeholder: "SERVICE_ID",
  required: true,
  parse: (value) => reverseDns(value) ? { value } : { problem: "the WeatherKit Services ID (e.g. com.example.weatherkit-client); it becomes sub and part of the id header" }
};
var ORIGIN = /^(https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|http:\/\/(localhost|127\.0\.0\.1))(:[0-9]{1,5})?$/;
var origins = {
  name: "origins",
  flag: "origin",
  placeholder: "ORIGIN",
  required: false,
  parse: (value) => {
    const list = typeof value === "string" ? [value] : value;
    return Array.isArray(list) && list.length > 0 && list.length <= 20 && list.every((o) => typeof o === "string" && ORIGIN.test(o)) ? { value: [...new Set(list)] } : { problem: "origins: the web origins allowed to use the developer token, e.g. [https://music.example.com], at most 20" };
  }
};
var SHARED = { window: { default: 2400, min: 1200, max: 3300 }, lifetime: 3600 };
var refreshWindow = {
  name: "refreshWindow",
  flag: "refresh-window",
  placeholder: "SECONDS",
  required: false,
  parse: (value) => Number.isInteger(value) && value >= SHARED.window.min && value <= SHARED.window.max ? { value } : { problem: `refreshWindow: whole seconds from ${SHARED.window.min} (Apple refuses changing a connection's token more often than every 20 minutes) to ${SHARED.window.max} (a token must be replaced before Apple's hour is up)` }
};
var clientId = {
  name: "clientId",
  flag: "client-id",
  resolve: (requested, profile) => {
    const allowed = profile.clientIds ?? [];
    if (requested === void 0) {
      return allowed.length === 1 ? { value: allowed[0] } : { refused: "missing", detail: 'This profile signs for several client IDs: name one with "clientId".' };
    }
    if (!reverseDns(requested)) return { refused: "malformed", detail: "clientId must be a Services ID or app ID such as com.example.web." };
    return allowed.includes(requested) ? { value: requested } : { refused: "not_granted", detail: "The profile does not sign for this clientId; GET /v1/profiles lists its clientIds." };
  }
};

// src/core/long-lived.ts
var LONG_LIVED_TOP_LEVEL = /* @__PURE__ */ new Set([
  "ciBuildActions",
  "ciBuildRuns",
  "ciIssues",
  "ciTestResults",
  "ciProducts",
  "ciWorkflows",
  "ciMacOsVersions",
  "ciXcodeVersions",
  "scmProviders",
  "scmRepositories",
  "scmGitReferences",
  "scmPullRequests",
  "diagnosticSignatures"
]);
var LONG_LIVED_RELATED = {
  apps: /* @__PURE__ */ new Set(["perfPowerMetrics", "ciProduct"]),
  builds: /* @__PURE__ */ new Set(["perfPowerMetrics", "diagnosticSignatures"])
};
function isLongLivedEntry(entry) {
  if (entry.method !== "GET") return false;
  const [, type, id, related, ...more] = entry.segments;
  if (type === void 0) return false;
  if (LONG_LIVED_TOP_LEVEL.has(type)) return true;
  const allowed = LONG_LIVED_RELATED[type];
  return allowed !== void 0 && id !== void 0 && related !== void 0 && more.length === 0 && allowed.has(related);
}
function isLongLivedEligible(scope) {
  return scope !== null && scope.length > 0 && scope.every(isLongLivedEntry);
}

// src/core/kinds.ts
var KIND_NAMES = ["app-store-connect", "enterprise", "app-store-server", "apns", "devicecheck", "sign-in-with-apple", "weatherkit", "musickit"];
var APP_STORE_CONNECT_LONG_LIVED = {
  max: LONG_LIVED_MAX_TTL,
  eligible: (scope) => scope !== null && isLongLivedEligible(scope),
  rule: "longer only for GET-only scopes on the resources Apple allows long-lived tokens for"
};
var issuerIdKind = { exp: true, typ: true, issuer: "issuer-id", requestFields: [] };
var teamIdKind = { typ: false, issuer: "team-id", individualKeys: false, scoped: false, requestFields: [] };
var KINDS = {
  "app-store-connect": {
    ...issuerIdKind,
    name: "app-store-connect",
    title: "App Store Connect API",
    audience: "appstoreconnect-v1",
    individualKeys: true,
    scoped: true,
    ttl: { default: 600, max: 1200 },
    longLived: APP_STORE_CONNECT_LONG_LIVED,
    profileFields: [],
    tokenFields: []
  },
  enterprise: {
    ...issuerIdKind,
    name: "enterprise",
    title: "Enterprise Program API",
    audience: "apple-developer-enterprise-v1",
    individualKeys: false,
    scoped: true,
    ttl: { default: 600, max: 1200 },
    profileFields: [],
    tokenFields: []
  },
  "app-store-server": {
    ...issuerIdKind,
    name: "app-store-server",
    title: "App Store Server API",
    audience: "appstoreconnect-v1",
    individualKeys: false,
    scoped: false,
    ttl: { default: 600, max: 3600 },
    profileFields: [bundleId],
    tokenFields: [{ in: "claims", name: "bid", from: "bundleId", value: (fields) => fields.bundleId }]
  },
  apns: {
    ...teamIdKind,
    name: "apns",
    title: "Apple Push Notification service",
    audience: void 0,
    exp: false,
    ttl: { default: SHARED.lifetime, max: SHARED.lifetime },
    shared: SHARED,
    profileFields: [refreshWindow],
    tokenFields: []
  },
  devicecheck: {
    ...teamIdKind,
    name: "devicecheck",
    title: "DeviceCheck",
    audience: void 0,
    exp: false,
    ttl: { default: SHARED.lifetime, max: SHARED.lifetime },
    shared: SHARED,
    profileFields: [refreshWindow],
    tokenFields: []
  },
  "sign-in-with-apple": {
    ...teamIdKind,
    name: "sign-in-with-apple",
    title: "Sign in with Apple",
    audience: "https://appleid.apple.com",
    exp: true,
    ttl: { default: 3600, max: DEVELOPER_TOKEN_MAX_TTL },
    profileFields: [clientIds],
    requestFields: [clientId],
    tokenFields: [{ in: "claims", name: "sub", from: "clientId", value: (fields) => fields.clientId }]
  },
  weatherkit: {
    ...teamIdKind,
    name: "weatherkit",
    title: "WeatherKit REST API",
    audience: void 0,
    exp: true,
    // Apple documents no maximum; the service holds it to the other developer tokens' six months.
    ttl: { default: 3600, max: DEVELOPER_TOKEN_MAX_TTL },
    profileFields: [serviceId],
    tokenFields: [
      { in: "header", name: "id", from: "serviceId", value: (fields, identity) => `${identity.teamId}.${fields.serviceId}` },
      { in: "claims", name: "sub", from: "serviceId", value: (fields) => fields.serviceId }
    ]
  },
  musickit: {
    ...teamIdKind,
    name: "musickit",
    title: "Apple Music API (MusicKit)",
    audience: void 0,
    exp: true,
    ttl: { default: 3600, max: DEVELOPER_TOKEN_MAX_TTL },
    profileFields: [origins],
    tokenFields: [{ in: "claims", name: "origin", from: "origins", value: (fields) => fields.origins }]
  }
};
var KIND_PROFILE_FIELDS = [...new Map(KIND_NAMES.flatMap((name) => KINDS[name].profileFields.map((f) => [f.name, f]))).values()];
var KIND_REQUEST_FIELDS = [...new Map(KIND_NAMES.flatMap((name) => KINDS[name].requestFields.map((f) => [f.name, f]))).values()];
var AUDIENCES = new Set(KIND_NAMES.flatMap((name) => KINDS[name].audience === void 0 ? [] : [KINDS[name].audience]));

// src/core/names.ts
var PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// src/client/validate.ts
var JWT = /^[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{86}$/;
var INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
var NULL_AUDIENCE = KIND_NAMES.some((name) => KINDS[name].audience === void 0);
var SCOPE_ENTRY = /^[A-Z]{3,6} \/[A-Za-z0-9._~\-/?&=,:*[\]]{1,511}$/;
var TokenResponseError = class extends Error {
  name = "TokenResponseError";
};
function checkTokenResponse(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TokenResponseError("the answer is not a JSON object");
  const v = value;
  const bad = (field, shape) => {
    throw new TokenResponseError(`the answer's "${field}" is not ${shape}`);
  };
  const instant = (field) => {
    const text = v[field];
    if (typeof text !== "string" || !INSTANT.test(text) || !Number.isFinite(Date.parse(text))) bad(field, "an ISO 8601 UTC time");
    return text;
  };
  if (typeof v.token !== "string" || !JWT.test(v.token) || !isEs256Jws(v.token)) bad("token", "a JWT");
  const token = v.token;
  if (v.tokenType !== "Bearer") bad("tokenType", '"Bearer"');
  if (v.profile !== void 0 && (typeof v.profile !== "string" || !PROFILE_NAME.test(v.profile))) bad("profile", "a profile name");
  if (typeof v.keyId !== "string" || !KEY_ID_PATTERN.test(v.keyId)) bad("keyId", "an App Store Connect key ID");
  if (v.audience === null ? !NULL_AUDIENCE : typeof v.audience !== "string" || !AUDIENCES.has(v.audience)) bad("audience", "an Apple audience");
  if (v.scope !== null && (!Array.isArray(v.scope) || v.scope.length > 50 || !v.scope.every((entry) => typeof entry === "string" && SCOPE_ENTRY.test(entry)))) {
    bad("scope", "null or a list of scope entries");
  }
  const issuedAt = instant("issuedAt");
  const expiresAt = instant("expiresAt");
  const refreshAfter = instant("refreshAfter");
  if (typeof v.expiresIn !== "number" || !Number.isInteger(v.expiresIn)) bad("expiresIn", "a whole number of seconds");
  if (typeof v.tokenSha256 !== "string" || v.tokenSha256 !== hash("sha256", token, "hex")) bad("tokenSha256", "the token's SHA-256");
  return {
    token,
    tokenType: "Bearer",
    ...v.profile === void 0 ? {} : { profile: v.profile },
    keyId: v.keyId,
    audience: v.audience,
    scope: v.scope === null ? null : [...v.scope],
    issuedAt,
    expiresAt,
    expiresIn: v.expiresIn,
    refreshAfter,
    tokenSha256: v.tokenSha256
  };
}
function isEs256Jws(token) {
  const [header, payload] = token.split(".");
  const object = (part) => {
    try {
      const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
      return typeof value === "object" && value !== null && !Array.isArray(value) ? value : void 0;
    } catch {
      return void 0;
    }
  };
  return object(header)?.alg === "ES256" && object(payload) !== void 0;
}

// src/client/tokens.ts
async function call(options, request2) {
  try {
    return await callService(options, request2);
  } catch (error) {
    if (error instanceof NetworkError) throw new TokenClientError("network", error.message, 0, void 0, { cause: error, url: options.urls[0] });
    throw error;
  }
}
function checked(answer, check) {
  if (answer.status !== 200) throw TokenClientError.from(problemOf(answer), answer.url);
  try {
    return check(answer.json);
  } catch (error) {
    if (error instanceof TokenResponseError) throw new TokenClientError("bad_response", `refused the service's answer: ${error.message}`, 200, void 0, { cause: error, url: answer.url });
    throw error;
  }
}
async function requestToken(options, profile, request2 = {}) {
  const body = {};
  if (request2.scope !== void 0) body.scope = request2.scope;
  if (request2.ttl !== void 0) body.ttl = request2.ttl;
  if (request2.clientId !== void 0) body.clientId = request2.clientId;
  const answer = await call(options, { method: "POST", path: `/v1/tokens/${encodeURIComponent(profile)}`, body: Object.keys(body).length > 0 ? JSON.stringify(body) : void 0 });
  const response = checked(answer, (value) => {
    const token = checkTokenResponse(value);
    if (token.profile === void 0) throw new TokenResponseError('the answer has no "profile"');
    return token;
  });
  return { ...response, url: answer.url, failedOver: answer.failedOver };
}

// src/action/main.ts
var ActionError = class extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
  hint;
  name = "ActionError";
};
function input(env, name) {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}
function readInputs(env) {
  const profile = input(env, "profile") || (env.ASC_TOKEN_PROFILE ?? "").trim();
  if (!profile) throw new ActionError("no profile: set the `profile` input (or ASC_TOKEN_PROFILE)");
  if (!PROFILE_NAME.test(profile)) throw new ActionError('`profile` must be a profile name: letters, digits, ".", "-" and "_" (at most 64)');
  const url = input(env, "url") || (env.ASC_TOKEN_URL ?? "").trim();
  if (!url) throw new ActionError("no service URL: set the `url` input (or ASC_TOKEN_URL) to the API base including the stage");
  const request2 = { profile, urls: checkUrls(url) };
  const scope = input(env, "scope").split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  if (scope.length > 0) request2.scope = scope;
  const ttl = input(env, "ttl");
  if (ttl !== "") {
    if (!/^\d{1,8}$/.test(ttl)) throw new ActionError("`ttl` must be a whole number of seconds");
    request2.ttl = Number(ttl);
  }
  const clientId2 = input(env, "client-id");
  if (clientId2 !== "") {
    if (!/^[A-Za-z0-9.-]{1,155}$/.test(clientId2)) throw new ActionError("`client-id` must be a Services ID or app ID, e.g. com.example.web");
    request2.clientId = clientId2;
  }
  return request2;
}
function checkUrls(value) {
  let urls;
  try {
    urls = serviceUrls(value);
  } catch (error) {
    if (error instanceof ServiceUrlError) throw new ActionError(`\`url\`: ${error.message}`, "Give the API base including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod (several, one per region, with commas).");
    throw error;
  }
  for (const url of urls) {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) throw new ActionError("`url` must not carry a user name or password");
  }
  return urls;
}
function environmentCredentials() {
  const provider = fromEnv2();
  return async () => {
    try {
      return await provider();
    } catch {
      throw new ActionError(
        "no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
        "Run aws-actions/configure-aws-credentials before this step, with role-to-assume and `permissions: id-token: write` for OIDC."
      );
    }
  };
}
function fileCommand(file, values) {
  let text = "";
  for (const [name, value] of values) {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter)) throw new ActionError("a value collided with its delimiter");
    text += `${name}<<${delimiter}
${value}
${delimiter}
`;
  }
  appendFileSync(file, text);
}
async function request(req, io) {
  try {
    return await requestToken(
      { urls: req.urls, credentials: io.credentials ?? environmentCredentials(), userAgent: userAgent("github-action"), ...io.sleep ? { sleep: io.sleep } : {} },
      req.profile,
      { scope: req.scope, ttl: req.ttl, clientId: req.clientId }
    );
  } catch (error) {
    if (!(error instanceof TokenClientError)) throw error;
    const requestId = error.requestId ? ` (request ${error.requestId})` : "";
    const written = error.code === "bad_response" ? "; nothing was written" : "";
    throw new ActionError(`${error.code}: ${error.message}${requestId}${written}`, error.hint("action"));
  }
}
async function run(io) {
  const { env } = io;
  const guard = new OutputGuard();
  const say = (text) => io.log(guard.clean(text));
  const command = (name, data, properties) => {
    io.log(`${guard.midLine ? "\n" : ""}${workflowCommand(name, data, properties)}
`);
    guard.lineWritten();
  };
  try {
    const outputFile = env.GITHUB_OUTPUT;
    const envFile = env.GITHUB_ENV;
    if (!outputFile || !envFile) throw new ActionError("GITHUB_OUTPUT and GITHUB_ENV are not set: this entry runs as a GitHub Actions step (uses: in a workflow)");
    const req = readInputs(env);
    const answer = await request(req, io);
    const { token, expiresAt } = answer;
    command("add-mask", token);
    fileCommand(outputFile, [
      ["token", token],
      ["expires-at", expiresAt],
      ["url", answer.url]
    ]);
    fileCommand(envFile, [
      ["ASC_TOKEN", token],
      ["ASC_TOKEN_EXPIRES_AT", expiresAt]
    ]);
    const from = req.urls.length > 1 ? ` from ${answer.url}${answer.failedOver.length ? ` (after ${answer.failedOver.map((f) => `${f.url}: ${f.reason}`).join("; ")})` : ""}` : "";
    say(`Token for profile ${req.profile}, key ${answer.keyId}, expires ${expiresAt}, sha256 ${answer.tokenSha256.slice(0, 12)}\u2026${from}: output \`token\` and ASC_TOKEN for the following steps
`);
    return 0;
  } catch (error) {
    const message = error instanceof ActionError ? error.message : `unexpected error: ${error?.message ?? String(error)}`;
    command("error", message, { title: "asc-token-vending" });
    if (error instanceof ActionError && error.hint) command("notice", error.hint, { title: "asc-token-vending hint" });
    return 1;
  }
}

// src/action/index.ts
process.exitCode = await run({ env: process.env, log: (text) => process.stdout.write(text) });
