{#
    numerator / denominator as an exact decimal(38, scale), rounded half-up (away from zero on
    .5); NULL when the denominator is 0 or either is NULL. `/` is no use for money: DuckDB
    divides DECIMALs as DOUBLE (81.07 / 2 gives 40.53, not 40.54); Databricks divides integers
    as DOUBLE and rounds a decimal quotient before the cast rounds it again. So both operands
    become whole numbers of 10^-operand_scale units, N and D, and the result in 10^-scale units
    is the integer (2|N| * 10^scale + |D|) div (2|D|) with the sign of N/D, turned back into a
    decimal by a multiplication, which both engines do exactly.
    Limits: operands have at most `operand_scale` decimal places, and 2|N| * 10^scale + |D|
    fits a bigint (for money, |numerator| < 4.6e18 / 10^(2 + scale)).
#}
{% macro divide_half_up(numerator, denominator, scale, operand_scale=2) %}
    {%- set units = '' if operand_scale == 0 else ' * ' ~ (10 ** operand_scale) -%}
    {%- set n = 'cast((' ~ numerator ~ ')' ~ units ~ ' as bigint)' -%}
    {%- set d = 'cast((' ~ denominator ~ ')' ~ units ~ ' as bigint)' -%}
    {#- 10^-scale as a decimal literal (0.01), never a double (1e-2). -#}
    {%- set unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    cast(
        case when ({{ n }} < 0) = ({{ d }} < 0) then 1 else -1 end
        * {{ lakehouse.integer_divide(
            '2 * abs(' ~ n ~ ') * ' ~ (10 ** scale) ~ ' + abs(' ~ d ~ ')',
            '2 * abs(' ~ d ~ ')') }}
        * {{ unit }}
        as decimal(38, {{ scale }})
    )
{%- endmacro %}
