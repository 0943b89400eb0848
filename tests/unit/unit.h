/* unit — what every unit test includes: cmocka and small helpers. */
#ifndef FAKES3_UNIT_H
#define FAKES3_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
