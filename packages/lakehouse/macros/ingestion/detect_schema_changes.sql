{#
    Schema evolution of one landing entity for this run. Sniffs each new landing file (the
    files bronze ingests now, in batch order), compares it with the columns bronze expects
    and the established types, applies the entity's mode, records every change, then
    fails (changes the mode does not accept) or logs them; under permissive a probable
    rename (a declared column missing, an undeclared one present) is a dbt warning.
    Returns the entity with:
    - files: the new, non-empty files; file_columns: the columns they hold;
    - files_modified_from: the earliest modification time of those files (none if none);
    - columns: what bronze selects -- the declared columns, plus under auto_fix the
      columns bronze gained earlier and the ones these files add.
#}
{% macro detect_schema_changes(entity) %}
    {%- do entity.update({'files': [], 'file_columns': [], 'files_modified_from': none}) -%}
    {%- if not execute -%}
        {{ return(entity) }}
    {%- endif -%}
    {#- An empty file (a batch without records of this entity) holds nothing to load and
        says nothing about columns. -#}
    {%- for file_path, file_size, modified_at in lakehouse.list_new_landing_files(entity)
        if file_size > 0 -%}
        {%- do entity.files.append(file_path) -%}
        {%- if entity.files_modified_from is none or modified_at < entity.files_modified_from -%}
            {%- do entity.update({'files_modified_from': modified_at}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set mode = entity.schema_evolution -%}
    {%- set expected = entity.columns + (
        lakehouse.bronze_added_columns(entity) if mode == 'auto_fix' else []) -%}
    {%- if not entity.files -%}
        {%- do entity.update({'columns': expected}) -%}
        {{ return(entity) }}
    {%- endif -%}
    {%- do lakehouse.raise_unreadable_landing_files(entity, entity.files) -%}
    {%- set established = lakehouse.landing_established_types(entity) -%}
    {%- set changes, newly_established = [], [] -%}
    {%- for file_path in entity.files -%}
        {%- set source_file = modules.re.search(
            '[^/]+/batch=[^/]+/[^/]+$', file_path).group(0) -%}
        {%- set batch_id = modules.re.search('batch=([^/]+)', source_file).group(1) -%}
        {%- set observed = lakehouse.landing_file_columns(entity, file_path) -%}
        {%- set refused_here = [] -%}
        {%- for change in lakehouse.compare_landing_file_columns(
                entity, file_path, observed, expected, established) -%}
            {%- set action = lakehouse.schema_change_action(mode, change.change_kind) -%}
            {%- do change.update(
                {'action': action, 'source_file': source_file, 'batch_id': batch_id}) -%}
            {%- do changes.append(change) -%}
            {%- if action == 'added_to_bronze' -%}
                {%- do expected.append(change.column_name) -%}
            {%- elif action == 'run_failed' -%}
                {%- do refused_here.append(change.column_name) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- The types these values establish: first sightings and widenings. An
            incompatible change establishes nothing (loaded or refused), so every later file
            that carries it is reported too. -#}
        {%- for column_name, data_type in observed if column_name in expected -%}
            {%- set family = lakehouse.landing_type_family(data_type) -%}
            {%- set kind = lakehouse.landing_type_change(established.get(column_name), family) -%}
            {%- set known = established.get(column_name) not in (none, 'null') -%}
            {%- if family != 'null' and column_name not in refused_here
                and (not known or kind == 'type_widened') -%}
                {%- do established.update({column_name: family}) -%}
                {%- do newly_established.append({'column_name': column_name,
                    'data_type': family, 'batch_id': batch_id, 'source_file': source_file}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for column_name, data_type in observed
            if column_name in expected and column_name not in entity.file_columns -%}
            {%- do entity.file_columns.append(column_name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set refused = changes | selectattr('action', 'equalto', 'run_failed') | list -%}
    {%- do lakehouse.record_schema_changes(entity, changes, [] if refused else newly_established) -%}
    {%- if refused -%}
        {%- do lakehouse.raise_schema_change_error(entity, refused) -%}
    {%- endif -%}
    {%- for change in changes -%}
        {%- do log("Schema evolution (" ~ mode ~ ") landing." ~ entity.name ~ ", "
            ~ change.source_file ~ ": " ~ lakehouse.describe_schema_change(change) ~ " -> "
            ~ change.action, info=true) -%}
    {%- endfor -%}
    {#- permissive loads the old name as null and ignores the new one: data lost without a
        failure, so a dbt warning now and the warn test renamed_landing_columns after bronze. -#}
    {%- for rename in lakehouse.probable_renames(changes) if mode == 'permissive' -%}
        {%- do exceptions.warn("Schema evolution (permissive) landing." ~ entity.name ~ ", "
            ~ rename.source_file ~ ": " ~ lakehouse.describe_probable_rename(rename)
            ~ " -> the declared column is loaded as null, the new one is not loaded. If it is "
            ~ "a rename, declare the new name in " ~ entity.definition_file
            ~ " or ask the producer to re-deliver the file.") -%}
    {%- endfor -%}
    {%- do entity.update({'columns': expected}) -%}
    {{ return(entity) }}
{% endmacro %}
