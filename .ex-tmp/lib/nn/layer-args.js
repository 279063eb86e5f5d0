"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.shapeError = exports.assertInteger = exports.assertOneOf = exports.assertFinite = exports.assertNumberInRange = exports.assertBoolean = exports.assertPositiveInteger = void 0;
exports.INIT_NAMES_GUARD = INIT_NAMES_GUARD;
/** Argument checks used by layer constructors (re-exported validators plus the init-name guard). */
const validate_1 = require("../core/validate");
const init_1 = require("./init");
var validate_2 = require("../core/validate");
Object.defineProperty(exports, "assertPositiveInteger", { enumerable: true, get: function () { return validate_2.assertPositiveInteger; } });
Object.defineProperty(exports, "assertBoolean", { enumerable: true, get: function () { return validate_2.assertBoolean; } });
Object.defineProperty(exports, "assertNumberInRange", { enumerable: true, get: function () { return validate_2.assertNumberInRange; } });
Object.defineProperty(exports, "assertFinite", { enumerable: true, get: function () { return validate_2.assertFinite; } });
Object.defineProperty(exports, "assertOneOf", { enumerable: true, get: function () { return validate_2.assertOneOf; } });
Object.defineProperty(exports, "assertInteger", { enumerable: true, get: function () { return validate_2.assertInteger; } });
Object.defineProperty(exports, "shapeError", { enumerable: true, get: function () { return validate_2.shapeError; } });
function INIT_NAMES_GUARD(name) {
    if (name !== undefined)
        (0, validate_1.assertOneOf)(name, 'init', init_1.INIT_NAMES);
}
